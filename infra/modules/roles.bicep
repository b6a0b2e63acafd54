// Everything the shared user-assigned identity may do, and nothing more:
// - data-plane access to the app's storage account (blobs, queues, tables: host storage, the Durable
//   Task backend, the deployment package, job inputs and results);
// - publishing telemetry to Application Insights (local auth is off there);
// - starting, watching and stopping executions of the GPU job (the custom role from jobrole.bicep,
//   assigned on the job only).
// Each assignment's name is guid(scope, principal, role), so a redeploy finds the same assignment.

@description('Object (principal) id of the user-assigned identity.')
param principalId string

@description('Name of the storage account.')
param storageAccountName string

@description('Name of the Application Insights component.')
param applicationInsightsName string

@description('Name of the Container Apps job that runs GPU stages.')
param gpuJobName string

@description('Resource id of the custom GPU job operator role (jobrole.bicep).')
param gpuJobOperatorRoleId string

// Built-in role definition ids (the same in every tenant).
var storageBlobDataOwner = 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
var storageQueueDataContributor = '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
var storageTableDataContributor = '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
var monitoringMetricsPublisher = '3913510d-42f4-4e42-8a64-420c390055eb'

resource storage 'Microsoft.Storage/storageAccounts@2025-01-01' existing = {
  name: storageAccountName
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource gpuJob 'Microsoft.App/jobs@2025-07-01' existing = {
  name: gpuJobName
}

resource blobDataOwner 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(
    storage.id,
    principalId,
    subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageBlobDataOwner)
  )
  scope: storage
  properties: {
    principalId: principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageBlobDataOwner)
  }
}

resource queueDataContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(
    storage.id,
    principalId,
    subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageQueueDataContributor)
  )
  scope: storage
  properties: {
    principalId: principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageQueueDataContributor)
  }
}

resource tableDataContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(
    storage.id,
    principalId,
    subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageTableDataContributor)
  )
  scope: storage
  properties: {
    principalId: principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageTableDataContributor)
  }
}

resource metricsPublisher 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(
    applicationInsights.id,
    principalId,
    subscriptionResourceId('Microsoft.Authorization/roleDefinitions', monitoringMetricsPublisher)
  )
  scope: applicationInsights
  properties: {
    principalId: principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', monitoringMetricsPublisher)
  }
}

resource gpuJobOperatorAssignment 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(gpuJob.id, principalId, gpuJobOperatorRoleId)
  scope: gpuJob
  properties: {
    principalId: principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: gpuJobOperatorRoleId
  }
}
