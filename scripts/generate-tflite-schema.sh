#!/bin/sh
# Regenerates src/core/formats/tflite/generated/ from src/core/formats/tflite/tflite.fbs with FlatBuffers'
# own compiler (Debian `flatbuffers-compiler`, flatc 2.0.8; the `flatbuffers` npm runtime reads its output).
# Run from the repository root: sh scripts/generate-tflite-schema.sh
set -eu
schema=src/core/formats/tflite/tflite.fbs
out=src/core/formats/tflite/generated
command -v flatc >/dev/null || { echo "flatc is not on the PATH (apt-get install flatbuffers-compiler)" >&2; exit 1; }
rm -rf "$out"
flatc --ts -o "$out" "$schema"
# flatc imports a union's helper functions into every table holding the union, used or not; our
# tsconfig's noUnusedLocals refuses that, so tables import only the union's enum.
find "$out" -name '*.ts' -exec sed -E -i 's/^import \{ ([A-Za-z0-9]+), unionTo[A-Za-z0-9]+, unionListTo[A-Za-z0-9]+ \} from/import { \1 } from/' {} +
echo "$(flatc --version): $schema -> $out"
