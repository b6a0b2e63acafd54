// Parameters of main.bicep. azd (`azd up` / `azd provision`) reads this file; environment values come
// from the azd environment (.azure/<env>/.env) through readEnvironmentVariable, so
// `azd env set GPU_PROFILE A100` changes a deployment without editing this file. The same file works with
// `az deployment sub create --location <region> --template-file infra/main.bicep --parameters infra/main.bicepparam`
// (set the variables in the shell first, or edit the fallbacks below).
using 'main.bicep'

// Name of the environment: the resource group is rg-<environmentName>; every name derives from it.
param environmentName = readEnvironmentVariable('AZURE_ENV_NAME', 'serverless-dev')

// Region for everything. It must offer both Flex Consumption and serverless GPUs of gpuProfile
// (for example swedencentral, westus3 or australiaeast; check the current lists before choosing).
param location = readEnvironmentVariable('AZURE_LOCATION', 'swedencentral')

// Serverless GPU for the GPU stage job: 'T4' -> workload profile Consumption-GPU-NC8as-T4 (8 vCPU, 56 GiB),
// 'A100' -> Consumption-GPU-NC24-A100 (24 vCPU, 220 GiB). The subscription needs serverless GPU quota.
param gpuProfile = readEnvironmentVariable('GPU_PROFILE', 'T4')

// Image of the GPU stage (jobs/gpu-stage/Dockerfile, pushed with `az acr build`, see infra/README.md).
// The fallback is a public placeholder, so the first `azd up` succeeds before the image exists.
param gpuJobImage = readEnvironmentVariable('GPU_JOB_IMAGE', 'mcr.microsoft.com/k8se/quickstart-jobs:latest')

// Login server of the registry holding gpuJobImage (myacr.azurecr.io); empty for a public image.
// The job pulls with the user-assigned identity, which needs AcrPull on that registry.
param gpuJobRegistryServer = readEnvironmentVariable('GPU_JOB_REGISTRY_SERVER', '')

// Seconds one GPU execution may run before Container Apps stops it (each running second is billed).
// Keep it in line with serverless:gpuStage:timeoutSeconds in host.json, how long the app waits for a stage.
param gpuJobReplicaTimeoutSeconds = int(readEnvironmentVariable('GPU_JOB_REPLICA_TIMEOUT_SECONDS', '3600'))

// Times Container Apps retries a failed GPU execution.
param gpuJobReplicaRetryLimit = int(readEnvironmentVariable('GPU_JOB_REPLICA_RETRY_LIMIT', '1'))

// Most Function App instances (Flex Consumption: 40-1000). Caps both throughput and spend.
param functionMaximumInstanceCount = int(readEnvironmentVariable('FUNCTION_MAXIMUM_INSTANCE_COUNT', '100'))

// Memory per Function App instance in MB: 512, 2048 or 4096 (billed per GB-second). A literal, not an
// environment variable: Bicep checks it against the allowed sizes when this file is built.
param functionInstanceMemoryMB = 2048

// Days Log Analytics keeps logs and telemetry (30 is included; more is billed per GB per month).
param logRetentionInDays = int(readEnvironmentVariable('LOG_RETENTION_IN_DAYS', '30'))
