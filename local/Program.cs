using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Serverless.Jobs;
using Serverless.Local;
using Serverless.Local.Commands;

// CPU-bound shards block pool threads; a higher floor keeps the engine's own I/O responsive meanwhile.
ThreadPool.SetMinThreads(64, 64);

var root = new RootCommand("Serverless local host: the Durable Task engine on Azurite, serving the same API as the Functions app.");

var portOption = new Option<int>("--port") { Description = "HTTP port (the Functions default is 7071).", DefaultValueFactory = _ => 7071 };
var serve = new Command("serve", "Process jobs and serve the HTTP API on http://127.0.0.1:<port>/api/jobs.") { portOption };
serve.SetAction(async (parse, cancellationToken) =>
{
    var options = CliContext.Options(LogLevel.Information, runWorker: true, $"http://127.0.0.1:{parse.GetValue(portOption)}") with { RetentionInterval = TimeSpan.FromHours(1) };
    await using var host = await LocalHost.StartAsync(options).ConfigureAwait(false);
    Console.WriteLine($"Serving {host.BaseAddress}api/jobs (task hub {options.Settings.Durable.HubName}). Ctrl+C stops.");
    await Task.Delay(Timeout.Infinite, cancellationToken).ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
    return 0;
});

var workloadArgument = new Argument<string>("workload") { Description = $"One of: {string.Join(", ", CliContext.WorkloadNames())}." };
var paramOption = new Option<string[]>("--param", "-p") { Description = "A workload parameter as name=value; repeat for more.", AllowMultipleArgumentsPerToken = false };
var shardsOption = new Option<int?>("--shards") { Description = "How many shards (default: sized by the workload from its parameters; item workloads plan them from their input)." };
var parallelOption = new Option<int?>("--parallel") { Description = "At most this many shards at once." };
var seedOption = new Option<long?>("--seed") { Description = "Seed for workloads that draw random numbers." };
var tolerateOption = new Option<double?>("--tolerate") { Description = "Tolerated failed shards, in percent." };
var fileOption = new Option<FileInfo?>("--file") { Description = "Item workloads: a local file to upload (to inputs/<name>) and process line by line." };
var inputOption = new Option<string?>("--input") { Description = "Item workloads: a blob to process line by line, as container/path." };
var prefixOption = new Option<string?>("--prefix") { Description = "Item workloads: process every blob under container/prefix." };
var formatOption = new Option<string?>("--format") { Description = "text, jsonl or csv (default: from the file's extension)." };
var maxItemsOption = new Option<int?>("--max-items-per-shard") { Description = "Item workloads: at most this many items in a shard." };
var maxBytesOption = new Option<long?>("--max-bytes-per-shard") { Description = "Item workloads: at most this many bytes in a shard." };
var run = new Command("run", "Run a job here and show its progress, result and blobs.")
{
    workloadArgument, paramOption, shardsOption, parallelOption, seedOption, tolerateOption, fileOption, inputOption, prefixOption, formatOption, maxItemsOption, maxBytesOption,
};
run.SetAction((parse, cancellationToken) =>
{
    var spec = new JsonObject
    {
        ["workload"] = parse.GetValue(workloadArgument),
        ["parameters"] = RunCommand.Parameters(parse.GetValue(paramOption) ?? []),
    };
    var file = parse.GetValue(fileOption);
    var input = new JsonObject();
    AddIfGiven(input, "blob", file is null ? parse.GetValue(inputOption) : $"inputs/{file.Name}");
    AddIfGiven(input, "prefix", parse.GetValue(prefixOption));
    AddIfGiven(input, "format", parse.GetValue(formatOption));
    if (input.Count > 0)
    {
        spec["input"] = input;
    }

    AddIfSet(spec, "shards", parse.GetValue(shardsOption));
    AddIfSet(spec, "maxItemsPerShard", parse.GetValue(maxItemsOption));
    AddIfSet(spec, "maxBytesPerShard", parse.GetValue(maxBytesOption));
    AddIfSet(spec, "maxParallelism", parse.GetValue(parallelOption));
    AddIfSet(spec, "seed", parse.GetValue(seedOption));
    AddIfSet(spec, "toleratedFailurePercent", parse.GetValue(tolerateOption));
    // HTTP on a free loopback port: GPU stage executions post their completion there.
    return RunCommand.RunAsync(CliContext.Options(LogLevel.Warning, runWorker: true, "http://127.0.0.1:0"), spec, file, cancellationToken);
});

var idArgument = new Argument<string>("id") { Description = "The job id." };
var status = new Command("status", "Print a job's status.") { idArgument };
status.SetAction(async (parse, cancellationToken) =>
{
    await using var host = await LocalHost.StartAsync(CliContext.Options(LogLevel.Warning, runWorker: false)).ConfigureAwait(false);
    var job = await host.Engine.Jobs.GetAsync(parse.GetValue(idArgument)!, cancellationToken).ConfigureAwait(false);
    Console.WriteLine(job is null ? "No such job." : JsonSerializer.Serialize(job, new JsonSerializerOptions(JobJson.Options) { WriteIndented = true }));
    return job is null ? 1 : 0;
});

var cancel = new Command("cancel", "Cancel a running job.") { idArgument };
cancel.SetAction(async (parse, cancellationToken) =>
{
    await using var host = await LocalHost.StartAsync(CliContext.Options(LogLevel.Warning, runWorker: false)).ConfigureAwait(false);
    var outcome = await host.Engine.Jobs.CancelAsync(parse.GetValue(idArgument)!, cancellationToken).ConfigureAwait(false);
    Console.WriteLine(outcome);
    return outcome == Serverless.Api.CancelOutcome.Canceling ? 0 : 1;
});

var redrive = new Command("redrive", "Run a finished job's failed shards and items again (the job keeps its id).") { idArgument };
redrive.SetAction(async (parse, cancellationToken) =>
{
    await using var host = await LocalHost.StartAsync(CliContext.Options(LogLevel.Warning, runWorker: false)).ConfigureAwait(false);
    var outcome = await host.Engine.Jobs.RedriveAsync(parse.GetValue(idArgument)!, cancellationToken).ConfigureAwait(false);
    Console.WriteLine(outcome == Serverless.Api.RedriveOutcome.Redriving ? $"{outcome}: a worker (serve) runs it; follow it with status." : outcome.ToString());
    return outcome == Serverless.Api.RedriveOutcome.Redriving ? 0 : 1;
});

root.Subcommands.Add(serve);
root.Subcommands.Add(run);
root.Subcommands.Add(status);
root.Subcommands.Add(cancel);
root.Subcommands.Add(redrive);
root.Subcommands.Add(PauseCommands.Suspend());
root.Subcommands.Add(PauseCommands.Resume());
root.Subcommands.Add(PurgeCommand.Create());
root.Subcommands.Add(DropCommand.Create());
root.Subcommands.Add(BenchCommand.Create());
return await root.Parse(args).InvokeAsync().ConfigureAwait(false);

static void AddIfGiven(JsonObject target, string name, string? value)
{
    if (!string.IsNullOrEmpty(value))
    {
        target[name] = value;
    }
}

static void AddIfSet<T>(JsonObject spec, string name, T? value)
    where T : struct
{
    if (value is { } set)
    {
        spec[name] = JsonValue.Create(set);
    }
}
