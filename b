Found 23 errors.
[*] 20 fixable with `--fix`.
bench/endpoint_vs_oxigraph.py: EXE001 Shebang is present but file is not executable
bench/endpoint_vs_oxigraph.py: RUF100 [*] Unused `noqa` directive (non-enabled: `E402`)
bench/endpoint_vs_oxigraph.py: RUF100 [*] Unused `noqa` directive (non-enabled: `E402`)
graph/serve/endpoint.py: I001 [*] Import block is un-sorted or un-formatted
graph/serve/endpoint.py: RUF100 [*] Unused `noqa` directive (non-enabled: `A002`)
graph/serve/endpoint.py: RUF100 [*] Unused `noqa` directive (non-enabled: `N802`)
graph/serve/endpoint.py: RUF100 [*] Unused `noqa` directive (non-enabled: `N802`)
graph/serve/endpoint.py: RUF100 [*] Unused `noqa` directive (non-enabled: `N802`)
graph/serve/endpoint.py: RUF100 [*] Unused `noqa` directive (non-enabled: `N815`)
graph/serve/endpoint.py: RUF100 [*] Unused `noqa` directive (non-enabled: `N815`)
graph/serve/endpoint.py: RUF100 [*] Unused `noqa` directive (unused: `F401`)
graph/serve/formats.py: I001 [*] Import block is un-sorted or un-formatted
graph/serve/service.py: FURB167 [*] Use of regular expression alias `re.I`
graph/serve/service.py: FURB167 [*] Use of regular expression alias `re.S`
graph/serve/service.py: I001 [*] Import block is un-sorted or un-formatted
graph/serve/static/fetch_yasgui.py: PLW1510 `subprocess.run` without explicit `check` argument
graph/serve/workers.py: I001 [*] Import block is un-sorted or un-formatted
graph/serve/workers.py: S110 `try`-`except`-`pass` detected, consider logging the exception
graph/serve/workers.py: UP012 [*] Unnecessary UTF-8 `encoding` argument to `encode`
graph/store/engines.py: I001 [*] Import block is un-sorted or un-formatted
graph/store/sparql.py: FURB167 [*] Use of regular expression alias `re.I`
graph/store/sparql.py: FURB167 [*] Use of regular expression alias `re.S`
graph/store/sparql.py: FURB167 [*] Use of regular expression alias `re.S`
