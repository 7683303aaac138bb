# bash completion for capc and capload                    -*- shell-script -*-
# Installed as share/bash-completion/completions/capc (capload: a link).

_capc()
{
    local cur prev words cword
    _init_completion || return

    # subcommands: capc query|explain|import ...
    if ((cword == 1)) && [[ $cur != -* ]]; then
        COMPREPLY=($(compgen -W "query explain import" -- "$cur"))
        _filedir '@(cap|yaml|yml|json|capbin)'
        return
    fi
    case ${words[1]} in
        query)
            case $prev in
                --point | -p | --arch | -a | --service | -s) return ;;
            esac
            if [[ $cur == -* ]]; then
                COMPREPLY=($(compgen -W "--point --arch --service --help" -- "$cur"))
            elif ((cword == 3)); then
                # the call: a syscall name
                COMPREPLY=($(compgen -W "$(capc --list syscalls 2>/dev/null)" -- "$cur"))
            else
                _filedir '@(cap|yaml|yml|json|capbin)'
            fi
            return
            ;;
        explain)
            [[ $cur == -* ]] && COMPREPLY=($(compgen -W "--service --help" -- "$cur")) ||
                _filedir '@(cap|yaml|yml|json)'
            return
            ;;
        import)
            case $prev in
                -o | --output) _filedir cap; return ;;
                --caps | --cap-add)
                    # a comma-separated list of capability names
                    local pre=${cur%,*} last=${cur##*,}
                    [[ $cur == *,* ]] && pre="$pre," || pre=
                    COMPREPLY=($(compgen -P "$pre" -W "$(capc --list caps 2>/dev/null)" -- "$last"))
                    compopt -o nospace 2>/dev/null
                    return
                    ;;
                --arch) return ;;
            esac
            [[ $cur == -* ]] && COMPREPLY=($(compgen -W "-o --output --arch --caps --cap-add --help" -- "$cur")) ||
                _filedir json
            return
            ;;
    esac

    case $prev in
        --emit)
            COMPREPLY=($(compgen -W "bpf systemd oci cap yaml" -- "$cur"))
            return
            ;;
        --backend)
            COMPREPLY=($(compgen -W "capc libseccomp" -- "$cur"))
            return
            ;;
        --point | --arch)
            return
            ;;
        -o | --output)
            _filedir capbin
            return
            ;;
        -t | --target)
            local abis="x86_64 x86 x32 aarch64 arm mips mipsel mips64 mipsel64 mips64n32 mipsel64n32 ppc ppc64 ppc64le s390 s390x parisc parisc64 riscv64"
            # a comma-separated list: complete the part after the last comma
            local pre=${cur%,*} last=${cur##*,}
            [[ $cur == *,* ]] && pre="$pre," || pre=
            COMPREPLY=($(compgen -P "$pre" -W "$abis" -- "$last"))
            compopt -o nospace
            return
            ;;
        -s | --service)
            return
            ;;
        -W)
            COMPREPLY=($(compgen -W "error" -- "$cur"))
            return
            ;;
    esac
    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "-o --output -s --service -t --target --check --dump --ast --emit
            --point --arch --no-host-lookup --backend -Werror -w -h --help --version" -- "$cur"))
        return
    fi
    _filedir '@(cap|yaml|yml|json|capbin)'
}
complete -F _capc capc

_capload()
{
    local cur prev words cword
    _init_completion || return

    # after "BLOB --": the command and its arguments
    local i blob_seen=0
    for ((i = 1; i < cword; i++)); do
        if [[ ${words[i]} == -- ]]; then
            if ((blob_seen)); then
                _command_offset $((i + 1))
                return
            fi
        elif [[ ${words[i]} != -* ]]; then
            blob_seen=1
        fi
    done
    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "--dry-run --verbose -v --help -h --version --" -- "$cur"))
        return
    fi
    if ((blob_seen)); then
        COMPREPLY=($(compgen -W "--" -- "$cur"))
        return
    fi
    _filedir capbin
}
complete -F _capload capload
