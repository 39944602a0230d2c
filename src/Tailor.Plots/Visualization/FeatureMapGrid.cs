namespace Tailor.Visualization;

/// <summary>
/// Where the tiles of a feature-map picture go: a title band on top, then one tile per channel,
/// row by row, <see cref="Columns"/> to a row, separated by <see cref="Gap"/> pixels.
/// </summary>
internal sealed record FeatureMapGrid(int Channels, int TileHeight, int TileWidth, int Columns, int TitleHeight, int MinimumWidth)
{
    public const int Padding = 8;
    public const int Gap = 4;

    public int Rows => (Channels + Columns - 1) / Columns;

    public int GridWidth => Columns * TileWidth + (Columns - 1) * Gap;

    public int GridHeight => Rows * TileHeight + (Rows - 1) * Gap;

    public int ImageWidth => Math.Max(GridWidth, MinimumWidth) + 2 * Padding;

    public int ImageHeight => Padding + TitleHeight + GridHeight + Padding;

    public (int Left, int Top) TileOrigin(int channel) =>
        (Padding + channel % Columns * (TileWidth + Gap), Padding + TitleHeight + channel / Columns * (TileHeight + Gap));
}
