#!/usr/bin/env bash
# Build the one-folder app (dist/supercuts/) with a CPU build of torch, then smoke-test it:
# the window starts offscreen and shows the sample image's levels, `supercuts propose` finds an
# object with parts in a photo, and `supercuts precompute` runs on two Dask worker processes.
#
#   packaging/build.sh                 # venv in build/package-venv, app in dist/supercuts
#   TORCH_INDEX=https://download.pytorch.org/whl/cpu packaging/build.sh   # elsewhere
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
VENV=${VENV:-$ROOT/build/package-venv}
TORCH_VERSION=${TORCH_VERSION:-2.13.0}
TORCHVISION_VERSION=${TORCHVISION_VERSION:-0.28.0}
index=()
if [[ -n "${TORCH_INDEX:-}" ]]; then index=(--index-url "$TORCH_INDEX"); fi

python3 -m venv "$VENV"
pip=("$VENV/bin/python" -m pip install --quiet)
"${pip[@]}" "${index[@]}" "torch==$TORCH_VERSION"
# --no-deps: the registry's torchvision would otherwise replace the CPU torch with a CUDA one.
"${pip[@]}" "${index[@]}" --no-deps "torchvision==$TORCHVISION_VERSION"
"${pip[@]}" "$ROOT" "pyinstaller>=6.10"
"${pip[@]}" --no-deps --force-reinstall "$ROOT"  # this checkout, even at an unchanged version

"$VENV/bin/pyinstaller" --noconfirm --log-level WARN \
    --distpath "$ROOT/dist" --workpath "$ROOT/build/pyinstaller" "$ROOT/packaging/supercuts.spec"

app="$ROOT/dist/supercuts/supercuts"
smoke=$(mktemp -d)
trap 'rm -rf "$smoke"' EXIT
export QT_QPA_PLATFORM=offscreen SUPERCUTS_DATA_DIR="$smoke/data" XDG_CONFIG_HOME="$smoke/config"
"$app" --version
"$app" --self-test
sample="$ROOT/resources/samples/astronaut.png"
"$app" propose "$sample" --parts 3 --out "$smoke/p.json"
"$VENV/bin/python" - "$smoke/p.json" <<'PY'
import json, sys
objects = json.load(open(sys.argv[1]))["annotations"]
assert objects and objects[0]["parts"], "no object with parts"
print(f"propose ok: {len(objects)} objects, {len(objects[0]['parts'])} parts in the first")
PY
"$app" precompute "$ROOT/resources/samples" --workers 2 --cache "$smoke/cache"
echo "built $(du -sh "$ROOT/dist/supercuts" | cut -f1) in dist/supercuts (start: dist/supercuts/supercuts)"
