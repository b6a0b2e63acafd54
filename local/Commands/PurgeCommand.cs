using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Serverless.Api;

namespace Serverless.Local.Commands;

/// <summary><c>purge &lt;id&gt;</c> or <c>purge --older-than 7d [--status Completed,Failed] [--blobs]</c>: removes finished jobs.</summary>
public static class PurgeCommand
{
    public static Command Create()
    {
        var id = new Argument<string?>("id") { Description = "The job to purge.", Arity = ArgumentArity.ZeroOrOne };
        var olderThan = new Option<string?>("--older-than") { Description = "Purge every finished job created longer ago than this: 7d, 12h or 30m." };
        var status = new Option<string?>("--status") { Description = "With --older-than: only jobs in these statuses (Completed, Failed, Terminated; comma-separated)." };
        var blobs = new Option<bool>("--blobs") { Description = "Also delete the job's results/{id}/ folder." };
        var command = new Command("purge", "Remove finished jobs' history (and with --blobs their results).") { id, olderThan, status, blobs };
        command.Validators.Add(result =>
        {
            if (result.GetValue(id) is null == result.GetValue(olderThan) is null)
            {
                result.AddError("Give either a job id or --older-than.");
            }
            else if (result.GetValue(olderThan) is { } age && ParseAge(age) is null)
            {
                result.AddError($"--older-than '{age}' is not an age such as 7d, 12h or 30m.");
            }
            else if (result.GetValue(status) is { } names && StatusList.Parse(names, StatusList.Finished) is null)
            {
                result.AddError($"--status '{names}' must list Completed, Failed or Terminated.");
            }
        });
        command.SetAction(async (parse, cancellationToken) =>
        {
            await using var host = await LocalHost.StartAsync(CliContext.Options(LogLevel.Warning, runWorker: false)).ConfigureAwait(false);
            var jobs = host.Engine.Jobs;
            var withBlobs = parse.GetValue(blobs);
            IReadOnlyList<PurgeReport> reports = parse.GetValue(id) is { } jobId
                ? [await jobs.PurgeAsync(jobId, withBlobs, cancellationToken).ConfigureAwait(false)]
                : await jobs.PurgeOlderThanAsync(
                    DateTimeOffset.UtcNow - ParseAge(parse.GetValue(olderThan)!)!.Value,
                    StatusList.Parse(parse.GetValue(status), StatusList.Finished)!,
                    withBlobs,
                    cancellationToken).ConfigureAwait(false);
            foreach (var report in reports)
            {
                Console.WriteLine(report.Outcome == PurgeOutcome.Purged
                    ? $"{report.JobId}: purged {report.Instances} instance(s){(withBlobs ? $" and {report.Blobs} blob(s)" : string.Empty)}"
                    : $"{report.JobId}: {report.Outcome}");
            }

            Console.WriteLine($"{reports.Count(r => r.Outcome == PurgeOutcome.Purged)} job(s) purged.");
            return reports.All(r => r.Outcome == PurgeOutcome.Purged) ? 0 : 1;
        });
        return command;
    }

    /// <summary>"7d", "12h", "30m": a whole number and a unit.</summary>
    public static TimeSpan? ParseAge(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length < 2 || !int.TryParse(text.AsSpan(0, text.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var amount))
        {
            return null;
        }

        return char.ToLowerInvariant(text[^1]) switch
        {
            'd' => TimeSpan.FromDays(amount),
            'h' => TimeSpan.FromHours(amount),
            'm' => TimeSpan.FromMinutes(amount),
            _ => null,
        };
    }
}
