#!/bin/sh
# azd postdeploy hook: subscribe the Function App to BlobCreated events of the batches container.
#
# The subscription's webhook URL carries the app's blobs_extension system key, which the Functions host
# creates only after an Event Grid sourced blob trigger (BatchBlobCreated) has been deployed. So this runs
# after `azd deploy`, not in main.bicep. It deploys infra/eventgrid.bicep, which reads the key inside ARM
# (listKeys); the key never passes through this script. Safe to run again: the deployment is idempotent.
#
# azd provides AZURE_RESOURCE_GROUP, AZURE_FUNCTION_APP_NAME and AZURE_EVENTGRID_SYSTEM_TOPIC_NAME (outputs
# of main.bicep). To run it by hand: export them (or `eval "$(azd env get-values)"`) and call this script.
set -eu

: "${AZURE_RESOURCE_GROUP:?set by azd from main.bicep outputs}"
: "${AZURE_FUNCTION_APP_NAME:?set by azd from main.bicep outputs}"
: "${AZURE_EVENTGRID_SYSTEM_TOPIC_NAME:?set by azd from main.bicep outputs}"
FUNCTION_NAME="${BATCH_FUNCTION_NAME:-BatchBlobCreated}"

# Does the host have the blobs_extension key yet? (Only its presence is checked; the value is not printed.)
HAS_KEY=$(az functionapp keys list \
  --resource-group "$AZURE_RESOURCE_GROUP" --name "$AZURE_FUNCTION_APP_NAME" \
  --query "systemKeys.blobs_extension != null" --output tsv 2>/dev/null || echo false)

if [ "$HAS_KEY" != "true" ]; then
  echo "postdeploy: no blobs_extension system key on $AZURE_FUNCTION_APP_NAME yet (no Event Grid blob trigger deployed)."
  echo "postdeploy: skipping the Event Grid subscription; run 'azd deploy' again once $FUNCTION_NAME exists."
  exit 0
fi

SCRIPT_DIR=$(CDPATH= cd -- "$(dirname -- "$0")" && pwd)
echo "postdeploy: subscribing $FUNCTION_NAME to BlobCreated events of the batches container"
az deployment group create \
  --resource-group "$AZURE_RESOURCE_GROUP" \
  --name eventgrid-batches \
  --template-file "$SCRIPT_DIR/../eventgrid.bicep" \
  --parameters functionAppName="$AZURE_FUNCTION_APP_NAME" \
               systemTopicName="$AZURE_EVENTGRID_SYSTEM_TOPIC_NAME" \
               functionName="$FUNCTION_NAME" \
  --output none
echo "postdeploy: done"
