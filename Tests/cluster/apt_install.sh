#!/usr/bin/env bash
# usage: Tests/cluster/apt_install.sh PACKAGE...
# apt-get update, then apt-get install --no-install-recommends of the packages named, with no
# service started by their maintainer scripts (see apt_install in lib.sh): for `make
# cluster-test`, which installs slurm-wlm, munge, parallel and python3-yaml in one go.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
apt_install "$@"
