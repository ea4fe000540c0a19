<#
.SYNOPSIS
Sets, or with -Remove deletes, the Chrome and Edge machine policies that
force-install the Parapet extension and set its bridgePort.

.DESCRIPTION
Writes the same values as parapet-browser-policy.reg, but keeps any other
ExtensionInstallForcelist entries: it reuses the value that already names the
Parapet extension, or takes the next free number. Run it as SYSTEM or as an
administrator, in 64-bit PowerShell. In Intune, add it under Devices > Scripts
and remediations > Platform scripts with "Run this script using the logged on
credentials" set to No and "Run script in 64 bit PowerShell Host" set to Yes.
Built from a template in installer/windows, which fills in the update URL
(PARAPET_EXTENSION_UPDATE_URL).

.PARAMETER Remove
Deletes the Parapet entries instead of setting them.
#>
[CmdletBinding()]
param(
    [switch]$Remove
)

$ErrorActionPreference = 'Stop'

$ExtensionId = 'ghbnpamloifnaljdabnaemelhpdehoae'
$UpdateUrl = '@PARAPET_EXTENSION_UPDATE_URL@'
$BridgePort = 47801
$BrowserKeys = @(
    'HKLM:\SOFTWARE\Policies\Google\Chrome',
    'HKLM:\SOFTWARE\Policies\Microsoft\Edge'
)

function Set-ForcelistEntry([string]$BrowserKey) {
    $listKey = Join-Path $BrowserKey 'ExtensionInstallForcelist'
    $entry = "$ExtensionId;$UpdateUrl"
    New-Item -Path $listKey -Force | Out-Null

    $values = (Get-Item -Path $listKey).GetValueNames()
    $name = $null
    foreach ($valueName in $values) {
        $data = (Get-ItemProperty -Path $listKey -Name $valueName).$valueName
        if ("$data".StartsWith("$ExtensionId;") -or "$data" -eq $ExtensionId) {
            $name = $valueName
            break
        }
    }
    if ($null -eq $name) {
        $number = 1
        while ($values -contains "$number") { $number++ }
        $name = "$number"
    }
    New-ItemProperty -Path $listKey -Name $name -Value $entry -PropertyType String -Force | Out-Null
    Write-Output "Set $listKey\$name = $entry"
}

function Remove-ForcelistEntry([string]$BrowserKey) {
    $listKey = Join-Path $BrowserKey 'ExtensionInstallForcelist'
    if (-not (Test-Path $listKey)) { return }
    foreach ($valueName in (Get-Item -Path $listKey).GetValueNames()) {
        $data = (Get-ItemProperty -Path $listKey -Name $valueName).$valueName
        if ("$data".StartsWith("$ExtensionId;") -or "$data" -eq $ExtensionId) {
            Remove-ItemProperty -Path $listKey -Name $valueName
            Write-Output "Removed $listKey\$valueName"
        }
    }
}

foreach ($browserKey in $BrowserKeys) {
    $settingsKey = Join-Path $browserKey "3rdparty\extensions\$ExtensionId\policy"
    if ($Remove) {
        Remove-ForcelistEntry $browserKey
        $extensionKey = Join-Path $browserKey "3rdparty\extensions\$ExtensionId"
        if (Test-Path $extensionKey) {
            Remove-Item -Path $extensionKey -Recurse
            Write-Output "Removed $extensionKey"
        }
        continue
    }
    Set-ForcelistEntry $browserKey
    New-Item -Path $settingsKey -Force | Out-Null
    New-ItemProperty -Path $settingsKey -Name 'bridgePort' -Value $BridgePort -PropertyType DWord -Force | Out-Null
    Write-Output "Set $settingsKey\bridgePort = $BridgePort"
}
