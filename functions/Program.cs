using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Serverless.Api;
using Serverless.Batches;
using Serverless.Functions;
using Serverless.Jobs;
using Serverless.Orchestration;
using Serverless.Storage;
using Serverless.Workloads;

var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();

// host.json's "serverless" section is ours; the worker does not read host.json by itself.
builder.Configuration.AddJsonFile("host.json", optional: true);

builder.Services.AddSingleton(services => new WorkloadCatalog(WorkloadCatalog.BuiltIn(services.GetRequiredService<IBlobStore>())));
builder.Services.AddSingleton<JobSpecParser>();
builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddSingleton(services => JobEngineOptions.From(services.GetRequiredService<IConfiguration>().GetSection("serverless")));
builder.Services.AddSingleton(services => new BlobStore(StorageClients.BlobService(services.GetRequiredService<IConfiguration>())));
builder.Services.AddSingleton<IBlobStore>(services => services.GetRequiredService<BlobStore>());
builder.Services.AddSingleton<IJobIndex>(services => StorageClients.JobIndex(services.GetRequiredService<IConfiguration>()));
builder.Services.AddSingleton<JobServices>();
builder.Services.AddSingleton<IBatchStore, BatchStore>();
builder.Services.AddSingleton(services => StageLaunchers.From(services.GetRequiredService<IConfiguration>()));
builder.Services.AddSingleton(services => StageLaunchers.Callback(services.GetRequiredService<IConfiguration>()));
builder.Services.AddJobActivities();
builder.Services.AddSingleton<GpuStageActivities>();

await builder.Build().RunAsync().ConfigureAwait(false);
