// Azure deployment of the Serverless fan-out/fan-in app (see infra/README.md):
// a Function App on Flex Consumption, its identity-only storage account, one user-assigned identity,
// Application Insights on Log Analytics, a Container Apps environment with a serverless GPU profile and
// the GPU stage job, and the Event Grid system topic on the storage account. The Event Grid
// subscription that feeds batches to the app is created after the code is deployed
// (infra/eventgrid.bicep, run by the azd postdeploy hook).
targetScope = 'subscription'

@description('Name of the environment (azd env name); prefixes the resource group and tags every resource.')
@minLength(1)
@maxLength(64)
param environmentName string

@description('Azure region for every resource. It must offer Flex Consumption and serverless GPUs of the chosen profile.')
@minLength(1)
param location string

@description('Serverless GPU of the GPU stage job: T4 (Consumption-GPU-NC8as-T4) or A100 (Consumption-GPU-NC24-A100).')
@allowed([
  'T4'
  'A100'
])
param gpuProfile string = 'T4'

@description('Container image of the GPU stage (built from jobs/gpu-stage/Dockerfile). The default is a public placeholder so the first deployment works before the image exists.')
param gpuJobImage string = 'mcr.microsoft.com/k8se/quickstart-jobs:latest'

@description('Login server of the Azure Container Registry holding gpuJobImage (for example myacr.azurecr.io); empty for a public image. The identity must hold AcrPull there.')
param gpuJobRegistryServer string = ''

@description('Seconds one GPU execution may run before it is stopped.')
@minValue(60)
param gpuJobReplicaTimeoutSeconds int = 3600

@description('Times a failed GPU execution is retried by Container Apps.')
@minValue(0)
@maxValue(10)
param gpuJobReplicaRetryLimit int = 1

@description('Most instances the Function App scales out to (Flex Consumption: 40-1000).')
@minValue(40)
@maxValue(1000)
param functionMaximumInstanceCount int = 100

@description('Memory of each Function App instance in MB (Flex Consumption: 512, 2048 or 4096).')
@allowed([
  512
  2048
  4096
])
param functionInstanceMemoryMB int = 2048

@description('Days Log Analytics keeps logs and telemetry.')
@minValue(30)
@maxValue(730)
param logRetentionInDays int = 30

var abbreviations = loadJsonContent('abbreviations.json')
var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = {
  'azd-env-name': environmentName
}

resource resourceGroup 'Microsoft.Resources/resourceGroups@2025-04-01' = {
  name: '${abbreviations.resourceGroup}${environmentName}'
  location: location
  tags: tags
}

module identity 'modules/identity.bicep' = {
  name: 'identity'
  scope: resourceGroup
  params: {
    name: '${abbreviations.managedIdentity}${resourceToken}'
    location: location
    tags: tags
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  scope: resourceGroup
  params: {
    name: '${abbreviations.storageAccount}${resourceToken}'
    location: location
    tags: tags
  }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  scope: resourceGroup
  params: {
    logAnalyticsName: '${abbreviations.logAnalyticsWorkspace}${resourceToken}'
    applicationInsightsName: '${abbreviations.applicationInsights}${resourceToken}'
    location: location
    tags: tags
    retentionInDays: logRetentionInDays
  }
}

module gpuJob 'modules/gpujob.bicep' = {
  name: 'gpujob'
  scope: resourceGroup
  params: {
    environmentName: '${abbreviations.containerAppsEnvironment}${resourceToken}'
    jobName: '${abbreviations.containerAppsJob}${resourceToken}'
    location: location
    tags: tags
    gpuProfile: gpuProfile
    image: gpuJobImage
    registryServer: gpuJobRegistryServer
    replicaTimeoutSeconds: gpuJobReplicaTimeoutSeconds
    replicaRetryLimit: gpuJobReplicaRetryLimit
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    blobEndpoint: storage.outputs.blobEndpoint
    logAnalyticsId: monitoring.outputs.logAnalyticsId
  }
}

module jobRole 'modules/jobrole.bicep' = {
  name: 'jobrole'
  params: {
    resourceGroupName: resourceGroup.name
  }
}

module roles 'modules/roles.bicep' = {
  name: 'roles'
  scope: resourceGroup
  params: {
    principalId: identity.outputs.principalId
    storageAccountName: storage.outputs.name
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    gpuJobName: gpuJob.outputs.jobName
    gpuJobOperatorRoleId: jobRole.outputs.id
  }
}

module functionApp 'modules/functionapp.bicep' = {
  name: 'functionapp'
  scope: resourceGroup
  params: {
    planName: '${abbreviations.appServicePlan}${resourceToken}'
    appName: '${abbreviations.functionApp}${resourceToken}'
    location: location
    tags: tags
    appTags: union(tags, { 'azd-service-name': 'functions' })
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    storageAccountName: storage.outputs.name
    deploymentContainerUrl: storage.outputs.appPackageContainerUrl
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    gpuJobId: gpuJob.outputs.jobId
    maximumInstanceCount: functionMaximumInstanceCount
    instanceMemoryMB: functionInstanceMemoryMB
  }
  // The host starts with identity-based storage; give it its roles before it first tries.
  dependsOn: [
    roles
  ]
}

module eventGridTopic 'modules/eventgrid-topic.bicep' = {
  name: 'eventgrid-topic'
  scope: resourceGroup
  params: {
    name: '${abbreviations.eventGridSystemTopic}${resourceToken}'
    location: location
    tags: tags
    storageAccountName: storage.outputs.name
  }
}

// Names and endpoints only (azd stores them in .azure/<env>/.env; the postdeploy hook reads them).
@description('Region of the deployment.')
output AZURE_LOCATION string = location

@description('Tenant of the subscription.')
output AZURE_TENANT_ID string = tenant().tenantId

@description('Resource group holding everything.')
output AZURE_RESOURCE_GROUP string = resourceGroup.name

@description('Name of the Function App.')
output AZURE_FUNCTION_APP_NAME string = functionApp.outputs.name

@description('Public base URL of the Function App.')
output AZURE_FUNCTION_APP_URL string = 'https://${functionApp.outputs.defaultHostName}'

@description('The dashboard page. Its files are public; the API calls it makes need a function key, so open it with ?code=<function key> once.')
output AZURE_FUNCTION_APP_DASHBOARD_URL string = 'https://${functionApp.outputs.defaultHostName}/api/dashboard'

@description('Name of the storage account.')
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name

@description('Blob endpoint of the storage account.')
output AZURE_STORAGE_BLOB_ENDPOINT string = storage.outputs.blobEndpoint

@description('Client id of the user-assigned identity the app and the GPU job run as.')
output AZURE_MANAGED_IDENTITY_CLIENT_ID string = identity.outputs.clientId

@description('Name of the Container Apps environment.')
output AZURE_CONTAINER_APPS_ENVIRONMENT_NAME string = gpuJob.outputs.environmentName

@description('Name of the GPU stage Container Apps job.')
output AZURE_GPU_JOB_NAME string = gpuJob.outputs.jobName

@description('Name of the Event Grid system topic on the storage account (the postdeploy hook subscribes the app to it).')
output AZURE_EVENTGRID_SYSTEM_TOPIC_NAME string = eventGridTopic.outputs.name

@description('Name of the Application Insights component.')
output APPLICATIONINSIGHTS_NAME string = monitoring.outputs.applicationInsightsName
