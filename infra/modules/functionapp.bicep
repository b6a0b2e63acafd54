// The Function App on Flex Consumption. Storage is identity-based throughout: the deployment package
// container, the host's AzureWebJobsStorage (blob, queue and table: the Durable Task backend uses all
// three) and the app's own blob client all authenticate as the user-assigned identity.
// Durable Task settings (hub name, partitions, concurrency) come from the deployed host.json; nothing
// here overrides them.

@description('Name of the Flex Consumption plan.')
param planName string

@description('Name of the Function App; its default host name is derived from it.')
param appName string

@description('Azure region. It must offer Flex Consumption.')
param location string

@description('Tags for the plan.')
param tags object

@description('Tags for the app; azd finds the app to deploy to by its azd-service-name tag.')
param appTags object

@description('Resource id of the user-assigned identity the app runs as.')
param identityId string

@description('Client id of that identity.')
param identityClientId string

@description('Name of the storage account (its endpoints are read from it).')
param storageAccountName string

@description('URL of the blob container Flex Consumption deploys the app package from (app-package).')
param deploymentContainerUrl string

@description('Name of the Application Insights component (local auth disabled).')
param applicationInsightsName string

@description('Resource id of the Container Apps job that runs GPU stages.')
param gpuJobId string

@description('Most instances the app scales out to (Flex Consumption allows 40-1000).')
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int

@description('Memory of each instance in MB (Flex Consumption: 512, 2048 or 4096).')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int

resource storage 'Microsoft.Storage/storageAccounts@2025-01-01' existing = {
  name: storageAccountName
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource plan 'Microsoft.Web/serverfarms@2024-11-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    reserved: true
  }
}

resource app 'Microsoft.Web/sites@2024-11-01' = {
  name: appName
  location: location
  tags: appTags
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    siteConfig: {
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: deploymentContainerUrl
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
      }
      runtime: {
        name: 'dotnet-isolated'
        version: '10.0'
      }
    }
  }
}

// All app settings in one place. They live in this child resource rather than in siteConfig.appSettings
// because GpuStage__CallbackBaseUrl needs the app's own default host name, which the site cannot read
// while it is being created. Flex Consumption takes the worker runtime and version from
// functionAppConfig.runtime, so FUNCTIONS_WORKER_RUNTIME and FUNCTIONS_EXTENSION_VERSION are not set.
// Every name in functions/AppSettings.cs must appear here (tests/Serverless.Infra.Tests checks).
resource appSettings 'Microsoft.Web/sites/config@2024-11-01' = {
  parent: app
  name: 'appsettings'
  properties: {
    // Host storage (and the Durable Task backend) through the identity: no connection string, no key.
    AzureWebJobsStorage__credential: 'managedidentity'
    AzureWebJobsStorage__clientId: identityClientId
    AzureWebJobsStorage__blobServiceUri: storage.properties.primaryEndpoints.blob
    AzureWebJobsStorage__queueServiceUri: storage.properties.primaryEndpoints.queue
    AzureWebJobsStorage__tableServiceUri: storage.properties.primaryEndpoints.table
    // Telemetry with Entra ID authentication (the component has local auth disabled).
    APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsights.properties.ConnectionString
    APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'
    // DefaultAzureCredential picks this identity for ARM calls (starting GPU executions).
    AZURE_CLIENT_ID: identityClientId
    GpuStage__Launcher: 'ContainerAppsJob'
    GpuStage__JobResourceId: gpuJobId
    GpuStage__CallbackBaseUrl: 'https://${app.properties.defaultHostName}'
  }
}

@description('Name of the Function App.')
output name string = app.name

@description('Default host name of the Function App.')
output defaultHostName string = app.properties.defaultHostName
