using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Serverless.Functions;

var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();

// host.json's "serverless" section is ours; the worker does not read host.json by itself.
builder.Configuration.AddJsonFile("host.json", optional: true);
builder.Services.AddServerless();

await builder.Build().RunAsync().ConfigureAwait(false);
