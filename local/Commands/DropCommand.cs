using System.CommandLine;
using Azure.Storage.Blobs;
using Microsoft.Extensions.Logging;
using Serverless.Batches;

namespace Serverless.Local.Commands;

/// <summary>
/// <c>drop</c>: uploads a file into the <c>batches</c> container of the configured storage, where the Event
/// Grid trigger (Azure) or the local host's scan picks it up, and prints the job id that blob version gets.
/// </summary>
public static class DropCommand
{
    public static Command Create()
    {
        var file = new Argument<FileInfo>("file") { Description = "A job spec (.json) or a data file for --workload." };
        var workload = new Option<string?>("--workload", "-w") { Description = "Run this workload over the file: it goes to batches/<workload>/<file name>." };
        var drop = new Command("drop", "Upload a file to the batches container; a running local host (serve) or the Functions app starts its job.") { file, workload };
        drop.SetAction((parse, cancellationToken) => RunAsync(parse.GetValue(file)!, parse.GetValue(workload), cancellationToken));
        return drop;
    }

    /// <summary>Where the file goes: <c>{workload}/{file}</c>, or <c>{file}</c> for a spec (.json) without a workload.</summary>
    public static string BlobName(string fileName, string? workload)
    {
        ArgumentNullException.ThrowIfNull(fileName);
        if (!string.IsNullOrEmpty(workload))
        {
            return workload.Contains('/', StringComparison.Ordinal)
                ? throw new ArgumentException($"--workload '{workload}' must be a workload name, without '/'.")
                : $"{workload}/{fileName}";
        }

        return BatchLayout.KindOf(fileName) == BatchKind.JobSpec
            ? fileName
            : throw new ArgumentException($"'{fileName}' is not a job spec (.json): say which workload runs over it with --workload <name>.");
    }

    private static async Task<int> RunAsync(FileInfo file, string? workload, CancellationToken cancellationToken)
    {
        if (!file.Exists)
        {
            await Console.Error.WriteLineAsync($"No such file: {file.FullName}").ConfigureAwait(false);
            return 2;
        }

        string name;
        try
        {
            name = BlobName(file.Name, workload);
        }
        catch (ArgumentException ex)
        {
            await Console.Error.WriteLineAsync(ex.Message).ConfigureAwait(false);
            return 2;
        }

        // The same storage resolution as every command (it may start Azurite); no worker: this only uploads.
        await using var host = await LocalHost.StartAsync(CliContext.Options(LogLevel.Warning, runWorker: false)).ConfigureAwait(false);
        var container = new BlobServiceClient(host.ConnectionString).GetBlobContainerClient(BatchLayout.Container);
        await container.CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        var uploaded = await container.GetBlobClient(name).UploadAsync(file.FullName, overwrite: true, cancellationToken).ConfigureAwait(false);

        var jobId = BatchLayout.JobId(name, uploaded.Value.ETag.ToString());
        Console.WriteLine($"Uploaded {BatchLayout.Path(name)} ({file.Length:N0} bytes): {host.BlobUrl(BatchLayout.Path(name))}");
        Console.WriteLine($"Job id:  {jobId} (started by a running local host within seconds of a scan, or by the Functions app)");
        Console.WriteLine($"Outcome: {BatchLayout.Sidecar(name)}, or {BatchLayout.FailedError(name)} when it is invalid");
        Console.WriteLine($"Follow:  dotnet run --project local -- status {jobId}");
        return 0;
    }
}
