#!/usr/bin/env bash
# One command on a CUDA machine (one GPU, 16 cores; under 8 minutes): prints
# one table with loader pairs/s (CPU decode at 1/4/8/16 workers, NVDEC when
# torchcodec can load its CUDA decoder, keyframe every 250 vs 16 frames),
# the pretrain_k400.py train step (fp32, AMP, AMP + channels-last: clips/s,
# memory), FAME + colour share of the step, and end-to-end pairs/s on
# generated H.264 videos. Details in tools/analysis/gpu_check.py.
#
#   bash tools/analysis/gpu_check.sh                 # writes work_dirs/gpu_check/
#   bash tools/analysis/gpu_check.sh --smoke         # tiny sizes, any machine
#
# PYTHON: the interpreter (default: .venv/bin/python if present, else python).
# TORCHCODEC_FFMPEG_FROM_PYAV=1: let torchcodec load the FFmpeg libraries
#   bundled in PyAV's wheel when the system has none (symlinks under
#   WORK_DIR/ffmpeg_libs + LD_LIBRARY_PATH); see docs/data_loading.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=${PYTHON:-$([ -x .venv/bin/python ] && echo .venv/bin/python || echo python)}
WORK_DIR=${WORK_DIR:-work_dirs/gpu_check}
mkdir -p "$WORK_DIR"
if [ "${TORCHCODEC_FFMPEG_FROM_PYAV:-0}" = 1 ]; then
    LIBS=$("$PY" -c 'import av, os; print(os.path.join(os.path.dirname(os.path.dirname(av.__file__)), "av.libs"))')
    mkdir -p "$WORK_DIR/ffmpeg_libs"
    for lib in "$LIBS"/libav*.so.* "$LIBS"/libsw*.so.*; do
        name=$(basename "$lib" | sed -E 's/-[0-9a-f]+\.so\.([0-9]+).*/.so.\1/')
        ln -sf "$lib" "$WORK_DIR/ffmpeg_libs/$name"
    done
    export LD_LIBRARY_PATH="$PWD/$WORK_DIR/ffmpeg_libs:$LIBS:${LD_LIBRARY_PATH:-}"
fi
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
exec timeout "${GPU_CHECK_TIMEOUT:-480}" "$PY" tools/analysis/gpu_check.py \
    --work-dir "$WORK_DIR" --json "$WORK_DIR/gpu_check.json" "$@"
