#!/usr/bin/env bash
# Installs mqscope's man pages (one per command, generated from the command definitions by
# swift-argument-parser's generate-manual plugin) and its bash, zsh and fish completions
# (`mqscope --generate-completion-script`) under PREFIX (default ~/.local). Needs a built
# .build/release/mqscope (scripts/run-example.sh builds it and then calls this).
set -euo pipefail
cd "$(dirname "$0")/.."
prefix="${PREFIX:-$HOME/.local}"
bin=.build/release/mqscope
[ -x "$bin" ] || swift build -c release --product mqscope
swift package --disable-sandbox generate-manual --multi-page >/dev/null
man_dir="$prefix/share/man/man1"
mkdir -p "$man_dir" "$prefix/share/bash-completion/completions" "$prefix/share/zsh/site-functions" \
    "$prefix/share/fish/vendor_completions.d"
cp .build/plugins/GenerateManual/outputs/mqscope/*.1 "$man_dir/"
"$bin" --generate-completion-script bash > "$prefix/share/bash-completion/completions/mqscope"
"$bin" --generate-completion-script zsh > "$prefix/share/zsh/site-functions/_mqscope"
"$bin" --generate-completion-script fish > "$prefix/share/fish/vendor_completions.d/mqscope.fish"
echo "install-docs: man pages in $man_dir (man mqscope, man mqscope.read …), completions under $prefix/share" >&2
