using System.CommandLine;
using Microsoft.Extensions.Logging;
using Serverless.Api;

namespace Serverless.Local.Commands;

/// <summary><c>suspend &lt;id&gt;</c> and <c>resume &lt;id&gt;</c>.</summary>
public static class PauseCommands
{
    public static Command Suspend() => Create("suspend", "Suspend a running job: no new shard starts; calls already running finish.", (jobs, id, token) => jobs.SuspendAsync(id, token));

    public static Command Resume() => Create("resume", "Resume a suspended job.", (jobs, id, token) => jobs.ResumeAsync(id, token));

    private static Command Create(string name, string description, Func<JobService, string, CancellationToken, Task<PauseOutcome>> act)
    {
        var id = new Argument<string>("id") { Description = "The job id." };
        var command = new Command(name, description) { id };
        command.SetAction(async (parse, cancellationToken) =>
        {
            await using var host = await LocalHost.StartAsync(CliContext.Options(LogLevel.Warning, runWorker: false)).ConfigureAwait(false);
            var outcome = await act(host.Engine.Jobs, parse.GetValue(id)!, cancellationToken).ConfigureAwait(false);
            Console.WriteLine(outcome switch
            {
                PauseOutcome.Accepted => $"{name}: done; a worker (serve) applies it. Follow the job with status.",
                PauseOutcome.NotFound => "No such job.",
                _ => $"The job is not in a state to {name}.",
            });
            return outcome == PauseOutcome.Accepted ? 0 : 1;
        });
        return command;
    }
}
