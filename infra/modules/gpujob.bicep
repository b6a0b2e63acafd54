// Container Apps environment with a serverless GPU workload profile, and the Container Apps job that
// runs one GPU stage per execution.
//
// The job template holds only what every execution shares. The app starts an execution through the ARM
// "start" action (GpuStage__Launcher = ContainerAppsJob) with a template override that adds the
// per-execution environment: STAGE_JOB_ID, STAGE_INPUT_BLOB, STAGE_OUTPUT_BLOB, STAGE_METRICS_BLOB,
// STAGE_CALLBACK_URL and STAGE_CALLBACK_SECRET. None of those are set here.

@description('Name of the Container Apps managed environment.')
param environmentName string

@description('Name of the Container Apps job (at most 32 lowercase letters, digits and dashes).')
@maxLength(32)
param jobName string

@description('Azure region. It must offer serverless GPUs for the chosen profile.')
param location string

@description('Tags for the resources.')
param tags object

@description('Serverless GPU: T4 (NC8as T4, 8 vCPU, 56 GiB) or A100 (NC24 A100, 24 vCPU, 220 GiB).')
@allowed([
  'T4'
  'A100'
])
param gpuProfile string

@description('Container image of the GPU stage (jobs/gpu-stage/Dockerfile).')
param image string

@description('Login server of the Azure Container Registry holding the image (for example myacr.azurecr.io); empty when the image is public. The identity needs AcrPull on that registry.')
param registryServer string

@description('Seconds one execution may run before it is stopped.')
@minValue(60)
param replicaTimeoutSeconds int

@description('Times a failed execution is retried.')
@minValue(0)
@maxValue(10)
param replicaRetryLimit int

@description('Resource id of the user-assigned identity the job runs as.')
param identityId string

@description('Client id of that identity (AZURE_CLIENT_ID in the container).')
param identityClientId string

@description('Blob service endpoint of the app\'s storage account.')
param blobEndpoint string

@description('Resource id of the Log Analytics workspace that receives the environment\'s logs.')
param logAnalyticsId string

// Workload profile types and the replica size each one offers.
var gpuProfiles = {
  T4: {
    workloadProfileType: 'Consumption-GPU-NC8as-T4'
    cpu: 8
    memory: '56Gi'
  }
  A100: {
    workloadProfileType: 'Consumption-GPU-NC24-A100'
    cpu: 24
    memory: '220Gi'
  }
}

var gpuWorkloadProfileName = 'gpu'

resource environment 'Microsoft.App/managedEnvironments@2025-07-01' = {
  name: environmentName
  location: location
  tags: tags
  properties: {
    // Logs go through Azure Monitor (diagnostic settings below), so no workspace key is handed over.
    appLogsConfiguration: {
      destination: 'azure-monitor'
    }
    workloadProfiles: [
      {
        name: 'Consumption'
        workloadProfileType: 'Consumption'
      }
      {
        name: gpuWorkloadProfileName
        workloadProfileType: gpuProfiles[gpuProfile].workloadProfileType
      }
    ]
  }
}

resource environmentLogs 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'logs-to-workspace'
  scope: environment
  properties: {
    workspaceId: logAnalyticsId
    logs: [
      {
        categoryGroup: 'allLogs'
        enabled: true
      }
    ]
  }
}

resource job 'Microsoft.App/jobs@2025-07-01' = {
  name: jobName
  location: location
  tags: tags
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    environmentId: environment.id
    workloadProfileName: gpuWorkloadProfileName
    configuration: {
      triggerType: 'Manual'
      replicaTimeout: replicaTimeoutSeconds
      replicaRetryLimit: replicaRetryLimit
      manualTriggerConfig: {
        parallelism: 1
        replicaCompletionCount: 1
      }
      registries: empty(registryServer)
        ? []
        : [
            {
              server: registryServer
              identity: identityId
            }
          ]
    }
    template: {
      containers: [
        {
          name: 'gpu-stage'
          image: image
          resources: {
            cpu: gpuProfiles[gpuProfile].cpu
            memory: gpuProfiles[gpuProfile].memory
          }
          env: [
            {
              name: 'AzureWebJobsStorage__blobServiceUri'
              value: blobEndpoint
            }
            {
              name: 'AZURE_CLIENT_ID'
              value: identityClientId
            }
            {
              name: 'STAGE_ACCELERATOR'
              value: 'auto'
            }
          ]
        }
      ]
    }
  }
}

@description('Name of the Container Apps environment.')
output environmentName string = environment.name

@description('Name of the GPU job.')
output jobName string = job.name

@description('Resource id of the GPU job (GpuStage__JobResourceId).')
output jobId string = job.id
