// The Event Grid subscription that starts jobs from batch files: BlobCreated events for the batches
// container, delivered to the Function App's blob trigger webhook (BatchBlobCreated, an Event Grid
// sourced blob trigger; Flex Consumption has no polling blob trigger).
//
// Deployed after the code, by the azd postdeploy hook (infra/hooks/postdeploy.sh / .ps1), into the
// resource group of main.bicep:
//   az deployment group create -g <rg> -f infra/eventgrid.bicep \
//     -p functionAppName=<app> systemTopicName=<topic>
// The webhook URL carries the app's blobs_extension system key, which the Functions host creates only
// once an Event Grid blob trigger has been deployed; that is why this is not part of main.bicep. The
// key is read inside this deployment and never leaves it (no outputs).

@description('Name of the Function App (AZURE_FUNCTION_APP_NAME).')
param functionAppName string

@description('Name of the Event Grid system topic on the storage account (AZURE_EVENTGRID_SYSTEM_TOPIC_NAME).')
param systemTopicName string

@description('Name of the blob-triggered function that receives the events.')
param functionName string = 'BatchBlobCreated'

resource app 'Microsoft.Web/sites@2024-11-01' existing = {
  name: functionAppName
}

// Microsoft.Web/sites/host (POST .../host/default/listkeys) has no Bicep type data, so the linter cannot
// recognise it; the type and API version are real. The key is read inside this deployment only.
#disable-next-line use-recognized-resource-type
var blobsExtensionKey = listKeys(resourceId('Microsoft.Web/sites/host', app.name, 'default'), '2024-11-01').systemKeys.blobs_extension

resource systemTopic 'Microsoft.EventGrid/systemTopics@2025-02-15' existing = {
  name: systemTopicName
}

resource batchCreated 'Microsoft.EventGrid/systemTopics/eventSubscriptions@2025-02-15' = {
  parent: systemTopic
  name: 'batches-to-${functionName}'
  properties: {
    destination: {
      endpointType: 'WebHook'
      properties: {
        endpointUrl: 'https://${app.properties.defaultHostName}/runtime/webhooks/blobs?functionName=Host.Functions.${functionName}&code=${blobsExtensionKey}'
      }
    }
    filter: {
      includedEventTypes: [
        'Microsoft.Storage.BlobCreated'
      ]
      // New blobs in the batches container (storage.bicep) only.
      subjectBeginsWith: '/blobServices/default/containers/batches/'
    }
    eventDeliverySchema: 'EventGridSchema'
    retryPolicy: {
      maxDeliveryAttempts: 30
      eventTimeToLiveInMinutes: 1440
    }
  }
}
