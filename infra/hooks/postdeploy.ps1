# azd postdeploy hook (Windows): subscribe the Function App to BlobCreated events of the batches
# container. Same steps as postdeploy.sh; see the comments there.
$ErrorActionPreference = 'Stop'

foreach ($name in 'AZURE_RESOURCE_GROUP', 'AZURE_FUNCTION_APP_NAME', 'AZURE_EVENTGRID_SYSTEM_TOPIC_NAME') {
    if (-not [Environment]::GetEnvironmentVariable($name)) { throw "$name is not set (azd sets it from main.bicep outputs)." }
}
$functionName = if ($env:BATCH_FUNCTION_NAME) { $env:BATCH_FUNCTION_NAME } else { 'BatchBlobCreated' }

$hasKey = az functionapp keys list --resource-group $env:AZURE_RESOURCE_GROUP --name $env:AZURE_FUNCTION_APP_NAME `
    --query "systemKeys.blobs_extension != null" --output tsv 2>$null
if ($hasKey -ne 'true') {
    Write-Host "postdeploy: no blobs_extension system key on $($env:AZURE_FUNCTION_APP_NAME) yet (no Event Grid blob trigger deployed)."
    Write-Host "postdeploy: skipping the Event Grid subscription; run 'azd deploy' again once $functionName exists."
    exit 0
}

Write-Host "postdeploy: subscribing $functionName to BlobCreated events of the batches container"
az deployment group create `
    --resource-group $env:AZURE_RESOURCE_GROUP `
    --name eventgrid-batches `
    --template-file (Join-Path $PSScriptRoot '..' 'eventgrid.bicep') `
    --parameters functionAppName=$env:AZURE_FUNCTION_APP_NAME `
                 systemTopicName=$env:AZURE_EVENTGRID_SYSTEM_TOPIC_NAME `
                 functionName=$functionName `
    --output none
if ($LASTEXITCODE -ne 0) { throw 'az deployment group create failed.' }
Write-Host 'postdeploy: done'
