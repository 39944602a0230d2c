namespace Tailor.Data;

/// <summary>A dataset file could not be fetched or failed its checksum; the message names the URL.</summary>
public sealed class DataDownloadException(string message, Exception? innerException = null)
    : Exception(message, innerException);
