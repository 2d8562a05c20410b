; Inno Setup 6 script: Windows installer for the PyInstaller one-folder build.
;
;   iscc /DAppVersion=0.1.0 packaging\windows\neurodeck.iss
;
; Expects packaging\out\dist\neurodeck\ (pyinstaller packaging\neurodeck.spec) and the
; icon rendered by the spec into packaging\out\icons\. Writes packaging\out\*-setup.exe.
; Installs per machine, or per user without admin rights (the user picks). Plugins the
; user installs later go to %LOCALAPPDATA%\neurodeck\plugins and survive upgrades.

#ifndef AppVersion
  #define AppVersion "0.0.0"
#endif

[Setup]
AppId={{6F0B8E7A-3C1D-4B8E-9A51-2E7D0C4F9B21}
AppName=neurodeck
AppVersion={#AppVersion}
AppVerName=neurodeck {#AppVersion}
AppPublisher=The neurodeck developers
AppPublisherURL=https://github.com/neurodeck/neurodeck
DefaultDirName={autopf}\neurodeck
DefaultGroupName=neurodeck
DisableProgramGroupPage=yes
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir=..\out
OutputBaseFilename=neurodeck-{#AppVersion}-windows-x64-setup
SetupIconFile=..\out\icons\neurodeck.ico
UninstallDisplayIcon={app}\neurodeck-gui.exe
Compression=lzma2
SolidCompression=yes
WizardStyle=modern

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Files]
Source: "..\out\dist\neurodeck\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\neurodeck"; Filename: "{app}\neurodeck-gui.exe"
Name: "{autodesktop}\neurodeck"; Filename: "{app}\neurodeck-gui.exe"; Tasks: desktopicon

[Run]
Filename: "{app}\neurodeck-gui.exe"; Description: "{cm:LaunchProgram,neurodeck}"; Flags: nowait postinstall skipifsilent
