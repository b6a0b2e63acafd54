using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Serverless.Api;
using Serverless.Functions;
using Serverless.Jobs;
using Serverless.Orchestration.Activities;
using Serverless.Storage;
using Serverless.Workloads;

var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();

// host.json's "serverless" section is ours; the worker does not read host.json by itself.
builder.Configuration.AddJsonFile("host.json", optional: true);

builder.Services.AddSingleton(new WorkloadCatalog(WorkloadCatalog.BuiltIn));
builder.Services.AddSingleton<JobSpecParser>();
builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddSingleton(services => new JobEngineOptions(
    services.GetRequiredService<IConfiguration>().GetValue("serverless:shardsPerOrchestration", JobEngineOptions.DefaultShardsPerOrchestration)));
builder.Services.AddSingleton<IBlobStore>(services => new BlobStore(StorageClients.BlobService(services.GetRequiredService<IConfiguration>())));
builder.Services.AddSingleton<RangeReducer>();
builder.Services.AddSingleton<RunShardsActivity>();
builder.Services.AddSingleton<FinishJobActivity>();

await builder.Build().RunAsync().ConfigureAwait(false);
