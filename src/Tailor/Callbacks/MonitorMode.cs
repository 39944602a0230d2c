namespace Tailor.Callbacks;

/// <summary>Whether a monitored quantity improves by going down (Min) or up (Max); Auto infers it from the name.</summary>
public enum MonitorMode
{
    Auto,
    Min,
    Max,
}
