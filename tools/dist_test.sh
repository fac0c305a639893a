#!/usr/bin/env bash
# Distributed testing with torchrun.
#   tools/dist_test.sh CONFIG CHECKPOINT GPUS [test.py options]
# Several nodes: set NNODES, NODE_RANK, MASTER_ADDR (and PORT) on every node.
# Without CUDA the processes use the gloo backend.
set -euo pipefail
CONFIG=$1
CHECKPOINT=$2
GPUS=$3
NNODES=${NNODES:-1}
NODE_RANK=${NODE_RANK:-0}
PORT=${PORT:-29500}
MASTER_ADDR=${MASTER_ADDR:-127.0.0.1}
TOOLS_DIR=$(cd "$(dirname "$0")" && pwd)
# The project's environment (tools/setup_env.sh) when it exists, unless
# PYTHON names another interpreter.
VENV=${FAME_VENV:-$TOOLS_DIR/../.venv}
case "$VENV" in /*) ;; *) VENV=$TOOLS_DIR/../$VENV ;; esac
if [ -z "${PYTHON:-}" ]; then
  if [ -x "$VENV/bin/python" ]; then PYTHON=$VENV/bin/python; else PYTHON=python; fi
fi
PYTHONPATH="$TOOLS_DIR/..:${PYTHONPATH:-}" \
exec "$PYTHON" -m torch.distributed.run \
    --nnodes="$NNODES" \
    --node_rank="$NODE_RANK" \
    --master_addr="$MASTER_ADDR" \
    --nproc_per_node="$GPUS" \
    --master_port="$PORT" \
    "$TOOLS_DIR/test.py" "$CONFIG" "$CHECKPOINT" --launcher pytorch "${@:4}"
