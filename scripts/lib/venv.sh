# Sourced by the scripts that drive the vendors' official Python SDKs.
#
# make_venv DIR PACKAGE...: a throwaway virtualenv at DIR with PACKAGEs from PyPI, quietly.
# Debian and Ubuntu ship python3 without ensurepip unless python3-venv is installed: then the
# environment is made without pip and the system pip installs into it.
make_venv() {
    local venv=$1
    shift
    local pip_quiet=(-q --disable-pip-version-check --no-input)
    echo "installing $* into a throwaway virtualenv"
    if python3 -m venv "$venv" >/dev/null 2>&1; then
        "$venv/bin/python" -m pip install "${pip_quiet[@]}" "$@"
    else
        rm -rf "$venv"
        python3 -m venv --without-pip "$venv"
        python3 -m pip --python "$venv/bin/python" install "${pip_quiet[@]}" "$@"
    fi
}
