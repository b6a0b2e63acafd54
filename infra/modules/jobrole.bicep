// A custom role for the launcher: read the GPU job, start an execution (with a per-execution template
// override), read its executions, stop one. Least privilege: Contributor on the job would also let the
// app change or delete it. Role definitions live at subscription scope; this one is assignable only
// inside the deployment's resource group, and roles.bicep assigns it on the job alone.
targetScope = 'subscription'

@description('Name of the resource group the role may be assigned in.')
param resourceGroupName string

resource resourceGroup 'Microsoft.Resources/resourceGroups@2025-04-01' existing = {
  name: resourceGroupName
}

resource gpuJobOperator 'Microsoft.Authorization/roleDefinitions@2022-04-01' = {
  name: guid(subscription().id, resourceGroup.id, 'gpu-stage-job-operator')
  properties: {
    roleName: 'GPU stage job operator (${resourceGroup.name}, ${uniqueString(resourceGroup.id)})'
    description: 'Start, read and stop executions of the GPU stage Container Apps job.'
    type: 'CustomRole'
    assignableScopes: [
      resourceGroup.id
    ]
    permissions: [
      {
        // The launcher (shared/Stages/ContainerAppsJobLauncher.cs) calls POST {job}/start,
        // GET {job}/executions/{name} and POST {job}/executions/{name}/stop. Microsoft.App names the
        // single-execution operations both ways in its operation list (executions/read, execution/read;
        // stop/action, stop/execution/action), so both spellings are granted. No write, delete or listSecrets.
        actions: [
          'Microsoft.App/jobs/read'
          'Microsoft.App/jobs/start/action'
          'Microsoft.App/jobs/executions/read'
          'Microsoft.App/jobs/execution/read'
          'Microsoft.App/jobs/stop/action'
          'Microsoft.App/jobs/stop/execution/action'
        ]
        notActions: []
        dataActions: []
        notDataActions: []
      }
    ]
  }
}

@description('Resource id of the custom role definition.')
output id string = gpuJobOperator.id
