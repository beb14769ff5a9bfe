#!/bin/sh
# Put the built app (dist/logo-studio) in the desktop's application menu for the current user:
# the app folder goes to ~/.local/share/logo-studio, a launcher to ~/.local/bin, the .desktop
# file and the icon where desktop environments look for them. Run from the repository root
# after `make package`. Remove with: packaging/linux/install.sh --uninstall
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
data=${XDG_DATA_HOME:-$HOME/.local/share}
app="$data/logo-studio"
bin="$HOME/.local/bin"
if [ "${1:-}" = "--uninstall" ]; then
    rm -rf "$app" "$bin/logo-studio" "$data/applications/logo-studio.desktop" \
        "$data/icons/hicolor/512x512/apps/logo-studio.png"
    echo "Logo Studio removed (your gallery and models are kept)."
    exit 0
fi
if [ ! -x "$root/dist/logo-studio/logo-studio" ]; then
    echo "No built app in dist/logo-studio: run 'make package' first." >&2
    exit 1
fi
mkdir -p "$app" "$bin" "$data/applications" "$data/icons/hicolor/512x512/apps"
rm -rf "$app"
cp -a "$root/dist/logo-studio" "$app"
ln -sf "$app/logo-studio" "$bin/logo-studio"
sed "s|^Exec=logo-studio|Exec=$app/logo-studio|" "$here/logo-studio.desktop" > "$data/applications/logo-studio.desktop"
cp "$root/desktop/resources/icons/logo-studio.png" "$data/icons/hicolor/512x512/apps/logo-studio.png"
command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database "$data/applications" || true
echo "Logo Studio installed: find it in your application menu, or run $bin/logo-studio"
