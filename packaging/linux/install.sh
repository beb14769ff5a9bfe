#!/bin/sh
# Put the built app (dist/logo-studio) in the desktop's application menu for the current user:
# the app folder goes to ~/.local/share/logo-studio, a launcher to ~/.local/bin, the .desktop
# file and the icon where desktop environments look for them. Run from the repository root
# after `make package`. Remove with: packaging/linux/install.sh --uninstall
# LOGO_STUDIO_DIST names another built app folder to install (tests use it).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
dist=${LOGO_STUDIO_DIST:-$root/dist/logo-studio}
data=${XDG_DATA_HOME:-$HOME/.local/share}
app="$data/logo-studio"
bin="$HOME/.local/bin"
if [ "${1:-}" = "--uninstall" ]; then
    rm -rf "$app" "$bin/logo-studio" "$data/applications/logo-studio.desktop" \
        "$data/icons/hicolor/512x512/apps/logo-studio.png"
    echo "Logo Studio removed (your gallery and models are kept)."
    exit 0
fi
if [ ! -x "$dist/logo-studio" ]; then
    echo "No built app in $dist: run 'make package' first." >&2
    exit 1
fi
case "$app" in *'
'*) echo "The install folder $app contains a line break: a .desktop file cannot name it." >&2; exit 1 ;;
esac
mkdir -p "$app" "$bin" "$data/applications" "$data/icons/hicolor/512x512/apps"
rm -rf "$app"
cp -a "$dist" "$app"
ln -sf "$app/logo-studio" "$bin/logo-studio"
# Exec= per the Desktop Entry spec: the path in double quotes with \ " ` $ backslash-escaped,
# % doubled (field codes), then every backslash doubled again (the string escapes of the file).
exec_path=$(printf '%s\n' "$app/logo-studio" | sed -e 's/[\\"`$]/\\&/g' -e 's/%/%%/g' -e 's/\\/\\\\/g')
while IFS= read -r line; do
    case $line in
    Exec=*) printf 'Exec="%s"%s\n' "$exec_path" "${line#Exec=logo-studio}" ;;
    *) printf '%s\n' "$line" ;;
    esac
done < "$here/logo-studio.desktop" > "$data/applications/logo-studio.desktop"
cp "$root/desktop/resources/icons/logo-studio.png" "$data/icons/hicolor/512x512/apps/logo-studio.png"
command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database "$data/applications" || true
echo "Logo Studio installed: find it in your application menu, or run $bin/logo-studio"
