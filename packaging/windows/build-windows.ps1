# Build the Windows installer: PyInstaller one-folder bundle, then Inno Setup.
#   pwsh packaging\windows\build-windows.ps1        (needs neurodeck, pyinstaller, pillow;
#                                                    Inno Setup 6's ISCC.exe)
$ErrorActionPreference = "Stop"
$here = Split-Path -Parent $MyInvocation.MyCommand.Path
$packaging = Split-Path -Parent $here
$out = Join-Path $packaging "out"
$python = if ($env:PYTHON) { $env:PYTHON } else { "python" }

$version = & $python -c "from neurodeck._version import __version__; print(__version__)"
$t0 = Get-Date
& $python -m PyInstaller --noconfirm --clean --log-level WARN `
    --distpath (Join-Path $out "dist") --workpath (Join-Path $out "build") `
    (Join-Path $packaging "neurodeck.spec")
if ($LASTEXITCODE -ne 0) { throw "PyInstaller failed" }
Write-Host "bundle built in $([int]((Get-Date) - $t0).TotalSeconds) s"

$iscc = if ($env:ISCC) { $env:ISCC } else { "${env:ProgramFiles(x86)}\Inno Setup 6\ISCC.exe" }
& $iscc "/DAppVersion=$version" (Join-Path $here "neurodeck.iss")
if ($LASTEXITCODE -ne 0) { throw "Inno Setup failed" }
Get-ChildItem (Join-Path $out "*-setup.exe")
