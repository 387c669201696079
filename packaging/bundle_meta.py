"""Metadata the installers carry: the version (from pyproject.toml), the Windows
version resource and the macOS Info.plist entries. Used by build.spec."""
from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

APP_NAME = "SC-FEGAN Studio"
BUNDLE_ID = "org.scfegan.studio"
SESSION_UTI = "org.scfegan.studio.session"
SESSION_SUFFIX = "scfs"          # app/session.py SESSION_SUFFIX, without the dot
DESCRIPTION = "SC-FEGAN Studio: sketch- and colour-guided face editing"
COPYRIGHT = "SC-FEGAN Studio contributors; code MIT, model weights: see weights/README.md"


def project_version(pyproject: Path = ROOT / "pyproject.toml") -> str:
    """[project] version from pyproject.toml, e.g. '0.1.0'."""
    with open(pyproject, "rb") as f:
        return tomllib.load(f)["project"]["version"]


def version_tuple(version: str) -> tuple[int, int, int, int]:
    """'1.2.3rc1' → (1, 2, 3, 0), '1.2' → (1, 2, 0, 0): what Windows version resources hold."""
    release = re.match(r"\d+(?:\.\d+)*", version)
    numbers = [int(n) for n in release.group().split(".")[:3]] if release else []
    return tuple((numbers + [0, 0, 0, 0])[:4])  # type: ignore[return-value]


def windows_version_info(version: str, exe_name: str = APP_NAME + ".exe"):
    """The VSVersionInfo resource for the Windows executable (shown in Properties → Details)."""
    from PyInstaller.utils.win32.versioninfo import (FixedFileInfo, StringFileInfo, StringStruct,
                                                     StringTable, VarFileInfo, VarStruct, VSVersionInfo)

    numbers = version_tuple(version)
    return VSVersionInfo(
        ffi=FixedFileInfo(filevers=numbers, prodvers=numbers, mask=0x3F, flags=0x0, OS=0x40004,
                          fileType=0x1, subtype=0x0, date=(0, 0)),
        kids=[
            StringFileInfo([StringTable("040904B0", [
                StringStruct("CompanyName", APP_NAME),
                StringStruct("FileDescription", APP_NAME),
                StringStruct("FileVersion", version),
                StringStruct("InternalName", APP_NAME),
                StringStruct("LegalCopyright", COPYRIGHT),
                StringStruct("OriginalFilename", exe_name),
                StringStruct("ProductName", APP_NAME),
                StringStruct("ProductVersion", version),
                StringStruct("Comments", DESCRIPTION),
            ])]),
            VarFileInfo([VarStruct("Translation", [0x0409, 1200])]),
        ],
    )


def macos_info_plist(version: str) -> dict:
    """Entries merged into the .app's Info.plist (PyInstaller fills in the rest)."""
    return {
        "CFBundleName": APP_NAME,
        "CFBundleDisplayName": APP_NAME,
        "CFBundleShortVersionString": version,
        "CFBundleVersion": version,
        "NSHighResolutionCapable": True,
        "NSRequiresAquaSystemAppearance": False,   # follow the system's dark mode
        "LSApplicationCategoryType": "public.app-category.photography",
        "NSHumanReadableCopyright": COPYRIGHT,
        "CFBundleDocumentTypes": [
            {
                "CFBundleTypeName": "Image",
                "CFBundleTypeRole": "Editor",
                "LSHandlerRank": "Alternate",        # open with…, never steal the default viewer
                "LSItemContentTypes": ["public.jpeg", "public.png", "org.webmproject.webp",
                                       "public.tiff", "com.microsoft.bmp"],
            },
            {
                "CFBundleTypeName": "SC-FEGAN Studio Session",
                "CFBundleTypeRole": "Editor",
                "LSHandlerRank": "Owner",
                "CFBundleTypeIconFile": "scfegan.icns",
                "LSItemContentTypes": [SESSION_UTI],
            },
        ],
        "UTExportedTypeDeclarations": [
            {
                "UTTypeIdentifier": SESSION_UTI,
                "UTTypeDescription": "SC-FEGAN Studio Session",
                "UTTypeConformsTo": ["public.data"],
                "UTTypeIconFile": "scfegan.icns",
                "UTTypeTagSpecification": {
                    "public.filename-extension": [SESSION_SUFFIX],
                    "public.mime-type": "application/x-scfegan-session",
                },
            },
        ],
    }
