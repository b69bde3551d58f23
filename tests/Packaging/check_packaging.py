#!/usr/bin/env python3
"""Checks the Docker packaging by reading Dockerfile, .dockerignore and docker-compose.yml.

No Docker engine is needed and only the standard library is used, so it runs on any CI image:
    python3 tests/Packaging/check_packaging.py      (from the repository root; exit 1 on any problem)

YAML: PyYAML is not part of the standard library and installing packages is not wanted here, so the
Compose file (and the bridge config it mounts) is read by a small reader for the subset such files use:
block mappings and sequences, one-line flow [..] and {..}, quoted and plain scalars, comments. Anything
outside it (anchors, aliases, tags, block scalars, multi-line flow, several documents) is reported as
unsupported instead of being guessed. When PyYAML happens to be installed, the reader's result is
compared with PyYAML's as one more check.
"""
from __future__ import annotations

import glob
import ipaddress
import json
import re
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"
COMPOSE = ROOT / "docker-compose.yml"
ENV_EXAMPLE = ROOT / "samples" / "docker" / ".env.example"
SETUP_GUIDE = ROOT / "docs" / "setup.md"
SCALING_GUIDE = ROOT / "docs" / "scaling.md"
SYSTEMD_UNIT = ROOT / "samples" / "systemd" / "bridge.service"
PUBLISH_PROFILE = ROOT / "src" / "Bridge" / "Properties" / "PublishProfiles" / "linux-x64-single-file.pubxml"
BUILD_IMAGE = "mcr.microsoft.com/dotnet/sdk:10.0"
RUNTIME_IMAGE = "mcr.microsoft.com/dotnet/aspnet:10.0"
EXPECTED_SERVICES = ("bridge", "ntfy")
# The "postgres" profile: PostgreSQL and two bridges sharing its database (docs/scaling.md).
POSTGRES_PROFILE = "postgres"
POSTGRES_SERVICE = "postgres"
POSTGRES_BRIDGES = ("bridge-1", "bridge-2")


# --------------------------------------------------------------------------------------------- results

class Report:
    def __init__(self) -> None:
        self.passed = 0
        self.failed = 0

    def check(self, ok: bool, what: str, problem: str = "") -> bool:
        if ok:
            self.passed += 1
            print(f"ok    {what}")
        else:
            self.failed += 1
            print(f"FAIL  {what}: {problem}")
        return ok

    def skip(self, what: str, why: str) -> None:
        print(f"skip  {what}: {why}")


# --------------------------------------------------------------------------------------- YAML subset

class YamlError(Exception):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"line {line}: {message}")


_INT = re.compile(r"[-+]?[0-9]+\Z")
_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+\.[0-9]*)([eE][-+]?[0-9]+)?\Z")


def _plain(text: str, line: int):
    if text[:1] in ("&", "*", "!", "|", ">", "%", "@", "`"):
        raise YamlError(line, f"unsupported YAML construct: {text!r}")
    if text in ("", "~", "null", "Null", "NULL"):
        return None
    if text in ("true", "True", "TRUE"):
        return True
    if text in ("false", "False", "FALSE"):
        return False
    if _INT.match(text):
        return int(text)
    if _FLOAT.match(text):
        return float(text)
    return text


def _quoted(text: str, start: int, line: int) -> tuple[str, int]:
    """Reads a quoted scalar starting at text[start]; returns (value, index after the closing quote)."""
    quote, i, out = text[start], start + 1, []
    escapes = {"\\": "\\", '"': '"', "/": "/", "n": "\n", "t": "\t", "r": "\r", "0": "\0", " ": " "}
    while i < len(text):
        c = text[i]
        if quote == "'" and c == "'":
            if text[i + 1:i + 2] == "'":
                out.append("'")
                i += 2
                continue
            return "".join(out), i + 1
        if quote == '"' and c == "\\":
            nxt = text[i + 1:i + 2]
            if nxt not in escapes:
                raise YamlError(line, f"unsupported escape \\{nxt}")
            out.append(escapes[nxt])
            i += 2
            continue
        if quote == '"' and c == '"':
            return "".join(out), i + 1
        out.append(c)
        i += 1
    raise YamlError(line, "unterminated quoted string (multi-line scalars are not supported)")


def _strip_comment(text: str) -> str:
    quote = None
    for i, c in enumerate(text):
        if quote:
            if c == quote:
                quote = None
        elif c in ("'", '"') and (i == 0 or text[i - 1] in " \t[{,:-"):
            quote = c
        elif c == "#" and (i == 0 or text[i - 1] in " \t"):
            return text[:i].rstrip()
    return text.rstrip()


class _Flow:
    """One-line flow collections: [a, "b", {c: d}]."""

    def __init__(self, text: str, line: int) -> None:
        self.text, self.i, self.line = text, 0, line

    def parse(self):
        value = self._value(stop=",]}")
        self._ws()
        if self.i != len(self.text):
            raise YamlError(self.line, f"unexpected text after flow collection: {self.text[self.i:]!r}")
        return value

    def _ws(self) -> None:
        while self.i < len(self.text) and self.text[self.i] == " ":
            self.i += 1

    def _value(self, stop: str):
        self._ws()
        c = self.text[self.i:self.i + 1]
        if c == "[":
            self.i += 1
            items = []
            while True:
                self._ws()
                if self.text[self.i:self.i + 1] == "]":
                    self.i += 1
                    return items
                items.append(self._value(stop=",]"))
                self._ws()
                if self.text[self.i:self.i + 1] == ",":
                    self.i += 1
                elif self.text[self.i:self.i + 1] != "]":
                    raise YamlError(self.line, "unterminated flow sequence (multi-line flow is not supported)")
        if c == "{":
            self.i += 1
            result = {}
            while True:
                self._ws()
                if self.text[self.i:self.i + 1] == "}":
                    self.i += 1
                    return result
                key = self._value(stop=":,}")
                self._ws()
                if self.text[self.i:self.i + 1] != ":":
                    raise YamlError(self.line, f"expected ':' after flow key {key!r}")
                self.i += 1
                result[key] = self._value(stop=",}")
                self._ws()
                if self.text[self.i:self.i + 1] == ",":
                    self.i += 1
                elif self.text[self.i:self.i + 1] != "}":
                    raise YamlError(self.line, "unterminated flow mapping (multi-line flow is not supported)")
        if c in ("'", '"'):
            value, self.i = _quoted(self.text, self.i, self.line)
            return value
        start = self.i
        while self.i < len(self.text) and self.text[self.i] not in stop:
            if self.text[self.i] == ":" and ":" in stop and self.text[self.i + 1:self.i + 2] in (" ", ""):
                break
            self.i += 1
        return _plain(self.text[start:self.i].strip(), self.line)


def _inline(text: str, line: int):
    if text[:1] in ("[", "{"):
        return _Flow(text, line).parse()
    if text[:1] in ("'", '"'):
        value, end = _quoted(text, 0, line)
        if text[end:].strip():
            raise YamlError(line, f"unexpected text after quoted scalar: {text[end:]!r}")
        return value
    return _plain(text, line)


def _split_key(text: str, line: int):
    """'key: value' -> (key, value text); None when the text is not a mapping entry."""
    if text[:1] in ("'", '"'):
        key, end = _quoted(text, 0, line)
        rest = text[end:]
        if rest == ":" or rest.startswith(": "):
            return key, rest[1:].strip()
        return None
    if text[:1] in ("[", "{"):
        return None
    m = re.match(r"([^#]*?):(?: +(.*))?\Z", text)
    if not m or ": " in m.group(1):
        return None
    return _plain(m.group(1), line), (m.group(2) or "").strip()


def load_yaml(source: str):
    lines = []
    for number, raw in enumerate(source.splitlines(), 1):
        if "\t" in raw[:len(raw) - len(raw.lstrip())]:
            raise YamlError(number, "tab in indentation")
        text = _strip_comment(raw)
        if not text.strip():
            continue
        if text.strip() in ("---", "...") or text.startswith(("--- ", "%")):
            if lines or text.strip() != "---":
                raise YamlError(number, "several documents or directives are not supported")
            continue
        lines.append((len(text) - len(text.lstrip()), text.strip(), number))
    if not lines:
        return None
    value, end = _block(lines, 0, lines[0][0])
    if end != len(lines):
        raise YamlError(lines[end][2], "unexpected indentation")
    return value


def _is_item(text: str) -> bool:
    return text == "-" or text.startswith("- ")


def _block(lines, i, indent):
    if _is_item(lines[i][1]):
        return _sequence(lines, i, indent)
    return _mapping(lines, i, indent)


def _child(lines, i, parent_indent, line, allow_same_indent_sequence=False):
    """The value on the lines after a 'key:' or '-' with nothing after it."""
    if i < len(lines) and lines[i][0] > parent_indent:
        return _block(lines, i, lines[i][0])
    if allow_same_indent_sequence and i < len(lines) and lines[i][0] == parent_indent and _is_item(lines[i][1]):
        return _sequence(lines, i, parent_indent)
    return None, i


def _sequence(lines, i, indent):
    items = []
    while i < len(lines) and lines[i][0] == indent and _is_item(lines[i][1]):
        _, text, number = lines[i]
        rest = text[1:].lstrip()
        if not rest:
            value, i = _child(lines, i + 1, indent, number)
        elif _split_key(rest, number) is not None:
            # "- key: value" starts a mapping whose keys sit where "key" does.
            inner = indent + (len(text) - len(rest))
            lines[i] = (inner, rest, number)
            value, i = _mapping(lines, i, inner)
        else:
            value, i = _inline(rest, number), i + 1
            _no_continuation(lines, i, indent, number)
        items.append(value)
    return items, i


def _mapping(lines, i, indent):
    result = {}
    while i < len(lines) and lines[i][0] == indent:
        _, text, number = lines[i]
        entry = _split_key(text, number)
        if entry is None:
            raise YamlError(number, f"expected 'key: value', got {text!r}")
        key, rest = entry
        if key in result:
            raise YamlError(number, f"duplicate key {key!r}")
        if rest:
            result[key] = _inline(rest, number)
            i += 1
            _no_continuation(lines, i, indent, number)
        else:
            result[key], i = _child(lines, i + 1, indent, number, allow_same_indent_sequence=True)
    return result, i


def _no_continuation(lines, i, indent, number) -> None:
    if i < len(lines) and lines[i][0] > indent:
        raise YamlError(lines[i][2], f"unsupported: multi-line scalar continuing line {number}")


# ---------------------------------------------------------------------------------------- Dockerfile

class Instruction:
    def __init__(self, keyword: str, args: str, line: int) -> None:
        self.keyword, self.args, self.line = keyword, args, line


class Stage:
    def __init__(self, image: str, name: str | None, index: int, line: int) -> None:
        self.image, self.name, self.index, self.line = image, name, index, line
        self.instructions: list[Instruction] = []


def parse_dockerfile(text: str) -> list[Stage]:
    instructions, buffer, start = [], "", 0
    for number, raw in enumerate(text.splitlines(), 1):
        stripped = raw.strip()
        if stripped.startswith("#") or (not stripped and not buffer):
            continue  # comments (and parser directives) are dropped, even inside continuations
        if not buffer:
            start = number
        if stripped.endswith("\\"):
            buffer += stripped[:-1] + " "
            continue
        buffer += stripped
        keyword, _, args = buffer.partition(" ")
        instructions.append(Instruction(keyword.upper(), args.strip(), start))
        buffer = ""
    stages: list[Stage] = []
    for ins in instructions:
        if ins.keyword == "FROM":
            words = [w for w in ins.args.split() if not w.startswith("--")]
            name = words[2] if len(words) >= 3 and words[1].upper() == "AS" else None
            stages.append(Stage(words[0] if words else "", name, len(stages), ins.line))
        elif stages:
            stages[-1].instructions.append(ins)
    return stages


def split_flags(args: str) -> tuple[dict[str, str], list[str]]:
    """COPY/ADD arguments -> ({flag: value}, [paths]); handles the JSON form."""
    flags = {}
    words = args.split()
    while words and words[0].startswith("--"):
        name, _, value = words.pop(0)[2:].partition("=")
        flags[name] = value
    rest = " ".join(words)
    if rest.startswith("["):
        return flags, json.loads(rest)
    return flags, words


def exec_form(args: str):
    try:
        value = json.loads(args)
    except ValueError:
        return None
    return value if isinstance(value, list) and all(isinstance(v, str) for v in value) else None


def env_pairs(args: str) -> dict[str, str]:
    if "=" not in args.split()[0]:
        key, _, value = args.partition(" ")
        return {key: value.strip()}
    return {k: v.strip('"') for k, v in re.findall(r'([A-Za-z_][A-Za-z0-9_]*)=("[^"]*"|\S*)', args)}


# ------------------------------------------------------------------------------------- .dockerignore

def _glob_regex(pattern: str) -> re.Pattern:
    out, i = "", 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out, i = out + "(?:.*/)?", i + 3
        elif pattern.startswith("**", i):
            out, i = out + ".*", i + 2
        elif pattern[i] == "*":
            out, i = out + "[^/]*", i + 1
        elif pattern[i] == "?":
            out, i = out + "[^/]", i + 1
        else:
            out, i = out + re.escape(pattern[i]), i + 1
    return re.compile(out + r"\Z")


def dockerignore_rules(path: Path) -> list[tuple[bool, re.Pattern]]:
    rules = []
    if path.exists():
        for raw in path.read_text().splitlines():
            text = raw.strip()
            if not text or text.startswith("#"):
                continue
            negate = text.startswith("!")
            text = text.lstrip("!").strip().strip("/")
            rules.append((negate, _glob_regex(text)))
    return rules


def ignored(relative: str, rules) -> bool:
    """Docker semantics: the last matching pattern wins; a path is excluded with its parent directory."""
    parts = relative.strip("/").split("/")
    result = False
    for depth in range(1, len(parts) + 1):
        prefix = "/".join(parts[:depth])
        for negate, regex in rules:
            if regex.match(prefix):
                result = not negate
        if result:
            return True
    return result


# -------------------------------------------------------------------------------------------- checks

def check_dockerfile(report: Report):
    """Returns (stages, final stage ENV) for the compose checks; (None, {}) when unreadable."""
    if not report.check(DOCKERFILE.exists(), "Dockerfile exists", f"{DOCKERFILE} not found"):
        return None, {}
    stages = parse_dockerfile(DOCKERFILE.read_text())
    if not report.check(len(stages) >= 2, "Dockerfile is multi-stage",
                        f"found {len(stages)} FROM instruction(s), want a build and a runtime stage"):
        return stages, {}
    build, final = stages[0], stages[-1]
    report.check(build.image.startswith(BUILD_IMAGE), f"build stage is FROM {BUILD_IMAGE}",
                 f"line {build.line}: FROM {build.image}")
    report.check(final.image.startswith(RUNTIME_IMAGE), f"runtime stage is FROM {RUNTIME_IMAGE}",
                 f"line {final.line}: FROM {final.image}")

    rules = dockerignore_rules(DOCKERIGNORE)
    report.check(ignored(".env", rules), ".dockerignore keeps .env (secrets) out of the build context",
                 "no pattern in .dockerignore matches .env")
    names = set()
    for stage in stages:
        for ins in stage.instructions:
            if ins.keyword not in ("COPY", "ADD"):
                continue
            flags, paths = split_flags(ins.args)
            if len(paths) < 2:
                report.check(False, f"Dockerfile line {ins.line}: {ins.keyword}", "needs a source and a destination")
                continue
            if "from" in flags:
                ref = flags["from"]
                known = ref in names or (ref.isdigit() and int(ref) < stage.index) or "/" in ref or ":" in ref
                report.check(known, f"Dockerfile line {ins.line}: COPY --from={ref} names an earlier stage",
                             f"no stage called {ref!r} before line {ins.line}")
                continue
            for source in paths[:-1]:
                matches = glob.glob(str(ROOT / source.rstrip("/")))
                what = f"Dockerfile line {ins.line}: {ins.keyword} source {source}"
                if report.check(bool(matches), f"{what} exists", f"{ROOT / source} does not exist in the repository"):
                    hidden = [m for m in matches if ignored(str(Path(m).relative_to(ROOT)), rules)]
                    report.check(not hidden, f"{what} is not excluded by .dockerignore",
                                 f"excluded: {', '.join(hidden)}")
        if stage.name:
            names.add(stage.name)

    publish = [i for i in build.instructions if i.keyword == "RUN" and "dotnet publish" in i.args]
    assembly = None
    if report.check(bool(publish), "build stage runs dotnet publish", "no RUN dotnet publish in the first stage"):
        projects = re.findall(r"(\S+\.csproj)", publish[0].args)
        project = ROOT / projects[0] if projects else None
        if report.check(bool(project and project.exists()), "the published project exists",
                        f"line {publish[0].line}: no existing .csproj named ({projects or 'none'})"):
            node = ET.parse(project).getroot().find(".//AssemblyName")
            assembly = node.text.strip() if node is not None and node.text else project.stem
            report.check(assembly == "bridge", f"{projects[0]} builds the assembly 'bridge'",
                         f"AssemblyName is {assembly!r}")

    entry = [i for i in final.instructions if i.keyword == "ENTRYPOINT"]
    argv = exec_form(entry[-1].args) if entry else None
    wanted = {f"{assembly or 'bridge'}.dll", assembly or "bridge", f"./{assembly or 'bridge'}",
              f"/app/{assembly or 'bridge'}", f"/app/{assembly or 'bridge'}.dll"}
    report.check(bool(argv) and (argv[0] in wanted or (argv[0] == "dotnet" and len(argv) > 1 and argv[1] in wanted)),
                 "runtime ENTRYPOINT runs the built assembly (exec form)",
                 f"ENTRYPOINT is {entry[-1].args if entry else 'missing'}; want [\"dotnet\", \"bridge.dll\"] or the apphost")

    users = [i for i in final.instructions if i.keyword == "USER"]
    user = users[-1].args.split(":")[0] if users else "root"
    report.check(user not in ("root", "0"), "runtime stage runs as a non-root USER",
                 "no USER in the runtime stage" if not users else f"line {users[-1].line}: USER {users[-1].args}")

    env: dict[str, str] = {}
    for ins in final.instructions:
        if ins.keyword == "ENV":
            env.update(env_pairs(ins.args))
    report.check("ASPNETCORE_URLS" not in env, "runtime stage does not set ASPNETCORE_URLS",
                 "it would override server.urls in the bridge config")
    report.check("BRIDGE_CONFIG" in env, "runtime stage sets BRIDGE_CONFIG", "no ENV BRIDGE_CONFIG")
    exposed = {p.split("/")[0] for i in final.instructions if i.keyword == "EXPOSE" for p in i.args.split()}
    env["__EXPOSE__"] = " ".join(sorted(exposed))
    return stages, env


_VAR = re.compile(r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)([^}]*)\}|([A-Za-z_][A-Za-z0-9_]*))")


def variables(text: str, with_default: bool = True) -> set[str]:
    """${VAR}, ${VAR:-x}, ${VAR:?x}, $VAR; $$ is a literal dollar sign. with_default=False drops ${VAR:-x}/${VAR-x}."""
    found = set()
    for m in _VAR.finditer(text.replace("$$", "")):
        name = m.group(1) or m.group(3)
        if not with_default and (m.group(2) or "").lstrip(":").startswith("-"):
            continue
        found.add(name)
    return found


def strings(value):
    if isinstance(value, dict):
        for k, v in value.items():
            yield from strings(k)
            yield from strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from strings(v)
    elif isinstance(value, str):
        yield value


def check_compose(report: Report, env: dict[str, str]) -> None:
    if not report.check(COMPOSE.exists(), "docker-compose.yml exists", f"{COMPOSE} not found"):
        return
    text = COMPOSE.read_text()
    try:
        compose = load_yaml(text)
    except YamlError as exc:
        report.check(False, "docker-compose.yml is readable", str(exc))
        return
    report.check(isinstance(compose, dict), "docker-compose.yml is readable", "top level is not a mapping")
    try:
        import yaml  # type: ignore[import-not-found]
    except ImportError:
        report.skip("subset reader agrees with PyYAML", "PyYAML is not installed")
    else:
        report.check(yaml.safe_load(text) == compose, "subset reader agrees with PyYAML",
                     "the two readers disagree: simplify the file or fix the reader")
    if not isinstance(compose, dict):
        return

    services = compose.get("services") or {}
    for name in EXPECTED_SERVICES:
        report.check(name in services, f"service {name} is defined", f"services: {sorted(services)}")
    declared_volumes = set((compose.get("volumes") or {}).keys())

    for name, service in services.items():
        service = service or {}
        build = service.get("build")
        if build is not None:
            context = build if isinstance(build, str) else build.get("context", ".")
            dockerfile = "Dockerfile" if isinstance(build, str) else build.get("dockerfile", "Dockerfile")
            directory = (COMPOSE.parent / context).resolve()
            if report.check(directory.is_dir(), f"{name}: build context {context} exists", f"{directory} is not a directory"):
                report.check((directory / dockerfile).exists(), f"{name}: {dockerfile} exists in the build context",
                             f"{directory / dockerfile} not found")
        for volume in service.get("volumes") or []:
            if isinstance(volume, dict):
                source, kind = str(volume.get("source", "")), volume.get("type", "volume")
            else:
                source = volume.split(":")[0]
                kind = "bind" if source.startswith((".", "/", "~")) else "volume"
            if kind == "bind":
                path = (COMPOSE.parent / source).resolve()
                report.check(path.exists(), f"{name}: bind-mounted {source} exists", f"{path} does not exist")
            elif source:
                report.check(source in declared_volumes, f"{name}: named volume {source} is declared",
                             "add it under the top-level volumes:")
        for port in service.get("ports") or []:
            if isinstance(port, dict):
                host_ip, shown = str(port.get("host_ip", "")), json.dumps(port)
            else:
                shown = str(port)
                parts = shown.rsplit(":", 2)
                host_ip = parts[0] if len(parts) == 3 else ""
            report.check(host_ip == "127.0.0.1", f"{name}: port {shown} is bound to 127.0.0.1",
                         "publish it as \"127.0.0.1:HOST:CONTAINER\"; anything else is reachable from the network")

    defined = set()
    if report.check(ENV_EXAMPLE.exists(), f"{ENV_EXAMPLE.relative_to(ROOT)} exists", "missing"):
        defined = set(re.findall(r"^\s*([A-Za-z_][A-Za-z0-9_]*)=", ENV_EXAMPLE.read_text(), re.M))
    for var in sorted(variables(text)):
        report.check(var in defined, f"compose variable ${{{var}}} is in {ENV_EXAMPLE.name}",
                     f"add a '{var}=' line to {ENV_EXAMPLE.relative_to(ROOT)}")

    check_bridge_config(report, services.get("bridge") or {}, env)
    check_postgres_profile(report, compose, env)
    check_ntfy_pacing(report, compose)
    check_docs_agree(report, compose, env)


def check_bridge_config(report: Report, bridge: dict, env: dict[str, str], name: str = "bridge") -> dict | None:
    """The config the bridge container reads: mounted where BRIDGE_CONFIG points, listening on the exposed port.

    Returns that config, read, or None when it could not be read (reported)."""
    target = env.get("BRIDGE_CONFIG")
    if not target:
        return None
    host_file = None
    for volume in bridge.get("volumes") or []:
        if isinstance(volume, str) and volume.split(":")[1:2] == [target]:
            host_file = (COMPOSE.parent / volume.split(":")[0]).resolve()
    if not report.check(host_file is not None, f"{name}: a config file is mounted at BRIDGE_CONFIG ({target})",
                        "no bind mount with that target"):
        return None
    if not host_file.exists():
        return None  # already reported as a missing bind mount
    try:
        config = load_yaml(host_file.read_text()) or {}
    except YamlError as exc:
        report.check(False, f"{host_file.relative_to(ROOT)} is readable", str(exc))
        return None
    urls = str((config.get("server") or {}).get("urls", ""))
    m = re.match(r"https?://(0\.0\.0\.0|\[::\]|\*|\+):(\d+)", urls)
    report.check(bool(m), f"{host_file.relative_to(ROOT)}: server.urls listens on all interfaces",
                 f"server.urls is {urls!r}; inside a container it must be e.g. http://0.0.0.0:8080")
    if m:
        port = m.group(2)
        report.check(port in env.get("__EXPOSE__", "").split(), f"the Dockerfile EXPOSEs port {port}",
                     f"EXPOSE lists {env.get('__EXPOSE__') or 'nothing'}")
        published = [str(p).rsplit(":", 1)[-1] for p in bridge.get("ports") or [] if not isinstance(p, dict)]
        report.check(port in published, f"{name}: compose publishes container port {port}", f"ports: {published}")
    environment = bridge.get("environment") or {}
    given = set(environment) if isinstance(environment, dict) else {e.split("=")[0] for e in environment}
    for var in sorted(set().union(*(variables(s, with_default=False) for s in strings(config)))):
        report.check(var in given, f"{name}: ${{{var}}} used by {host_file.name} is passed into the container",
                     f"add it to the {name} service's environment:")
    return config


def check_postgres_profile(report: Report, compose: dict, env: dict[str, str]) -> None:
    """The "postgres" profile: PostgreSQL and two bridges on its database, started only when the profile is asked for."""
    services = compose.get("services") or {}
    report.check(POSTGRES_PROFILE not in ((services.get("bridge") or {}).get("profiles") or []),
                 "the SQLite bridge is not in the postgres profile", "bridge and the postgres bridges would share nothing")
    postgres = services.get(POSTGRES_SERVICE)
    if not report.check(postgres is not None, f"service {POSTGRES_SERVICE} is defined", f"services: {sorted(services)}"):
        return
    for name in (POSTGRES_SERVICE, *POSTGRES_BRIDGES):
        service = services.get(name)
        if not report.check(service is not None, f"service {name} is defined", f"services: {sorted(services)}"):
            continue
        report.check((service or {}).get("profiles") == [POSTGRES_PROFILE], f"{name} is only in the {POSTGRES_PROFILE} profile",
                     f"profiles: {(service or {}).get('profiles')}; without it a plain 'docker compose up' starts it")
    report.check(not postgres.get("ports"), f"{POSTGRES_SERVICE} publishes no port (the database stays on the Compose network)",
                 f"ports: {postgres.get('ports')}")
    report.check(bool(postgres.get("healthcheck")), f"{POSTGRES_SERVICE} has a healthcheck the bridges wait for", "add one (pg_isready)")
    database_env = _environment(postgres)
    published = set()
    for name in POSTGRES_BRIDGES:
        bridge = services.get(name) or {}
        depends = bridge.get("depends_on") or {}
        condition = ((depends.get(POSTGRES_SERVICE) or {}).get("condition") if isinstance(depends, dict) else None)
        report.check(condition == "service_healthy", f"{name} starts once {POSTGRES_SERVICE} is healthy",
                     f"depends_on: {depends}")
        for port in bridge.get("ports") or []:
            host_port = str(port).rsplit(":", 1)[0]
            report.check(host_port not in published, f"{name} publishes {host_port} of its own", "two services on one host port")
            published.add(host_port)
        config = check_bridge_config(report, bridge, env, name)
        if config is None:
            continue
        storage = config.get("storage") or {}
        report.check(storage.get("provider") == "postgres", f"{name}: its config's storage.provider is postgres",
                     f"storage: {storage}")
        fields = dict(part.split("=", 1) for part in str(storage.get("connection_string", "")).split(";") if "=" in part)
        fields = {k.strip().lower(): v.strip() for k, v in fields.items()}
        report.check(fields.get("host") == POSTGRES_SERVICE, f"{name}: the connection string's Host is the {POSTGRES_SERVICE} service",
                     f"Host={fields.get('host')}")
        for key, variable in (("database", "POSTGRES_DB"), ("username", "POSTGRES_USER")):
            report.check(fields.get(key) == database_env.get(variable), f"{name}: the connection string's {key} is {POSTGRES_SERVICE}'s {variable}",
                         f"{fields.get(key)} vs {database_env.get(variable)}")
        report.check(_environment(bridge).get("PGPASSWORD") == database_env.get("POSTGRES_PASSWORD"),
                     f"{name}: PGPASSWORD is {POSTGRES_SERVICE}'s POSTGRES_PASSWORD", "the two must come from the same .env variable")


def _environment(service: dict) -> dict[str, str]:
    environment = service.get("environment") or {}
    if isinstance(environment, dict):
        return {str(k): "" if v is None else str(v) for k, v in environment.items()}
    return dict(e.split("=", 1) if "=" in e else (e, "") for e in environment)


def compose_subnets(compose: dict) -> list:
    """The subnets given to the Compose networks, parsed; unparseable ones are skipped (reported elsewhere)."""
    found = []
    for network in (compose.get("networks") or {}).values():
        for config in ((network or {}).get("ipam") or {}).get("config") or []:
            try:
                found.append(ipaddress.ip_network(str((config or {}).get("subnet")), strict=True))
            except ValueError:
                pass
    return found


def check_ntfy_pacing(report: Report, compose: dict) -> None:
    """ntfy must not throttle the bridge: a fixed subnet, exempted by address (ntfy resolves names only at start)."""
    services = compose.get("services") or {}
    ntfy = services.get("ntfy") or {}
    default = ((compose.get("networks") or {}).get("default") or {})
    subnets = compose_subnets({"networks": {"default": default}})
    if not report.check(len(subnets) == 1, "the default Compose network has one fixed subnet",
                        "give networks.default.ipam.config a single valid subnet (CIDR)"):
        return
    subnet = subnets[0]
    for name in (*EXPECTED_SERVICES, *POSTGRES_BRIDGES):
        networks = (services.get(name) or {}).get("networks")
        on_default = networks is None or "default" in networks
        report.check(on_default, f"{name} is on the default network ({subnet})", f"networks: {networks}")
    env = _environment(ntfy)
    exempt = [h.strip() for h in env.get("NTFY_VISITOR_REQUEST_LIMIT_EXEMPT_HOSTS", "").split(",") if h.strip()]
    parsed = []
    for host in exempt:
        try:
            parsed.append(ipaddress.ip_network(host, strict=False))
        except ValueError:
            report.check(False, f"ntfy exempt host {host} is an address or CIDR",
                         "ntfy resolves host names once, at start, before the bridge's container exists")
    report.check(any(subnet.subnet_of(n) for n in parsed if n.version == subnet.version),
                 f"NTFY_VISITOR_REQUEST_LIMIT_EXEMPT_HOSTS covers the Compose subnet {subnet}",
                 f"exempt hosts are {exempt or 'unset'}")
    report.check("NTFY_BEHIND_PROXY" in env, "ntfy sets NTFY_BEHIND_PROXY (a reverse proxy is expected in front)",
                 "without it every phone behind the proxy shares one address's limits")
    report.check("NTFY_UPSTREAM_BASE_URL" in env, "ntfy passes NTFY_UPSTREAM_BASE_URL (iOS instant delivery)",
                 "add NTFY_UPSTREAM_BASE_URL: ${NTFY_UPSTREAM_BASE_URL:-}")


def check_docs_agree(report: Report, compose: dict, env: dict[str, str]) -> None:
    """What docs/setup.md tells the reader matches the files: ports, volumes, config path, subnet, ntfy settings."""
    if not report.check(SETUP_GUIDE.exists(), "docs/setup.md exists", "missing"):
        return
    guides = {SETUP_GUIDE: SETUP_GUIDE.read_text(), SCALING_GUIDE: SCALING_GUIDE.read_text() if SCALING_GUIDE.exists() else ""}
    guide = guides[SETUP_GUIDE]
    services = compose.get("services") or {}
    for name, service in services.items():
        # A profile's services are explained where the profile is: the postgres one in docs/scaling.md.
        path = SCALING_GUIDE if POSTGRES_PROFILE in ((service or {}).get("profiles") or []) else SETUP_GUIDE
        text, shown = guides[path], path.relative_to(ROOT)
        for port in (service or {}).get("ports") or []:
            host = str(port).rsplit(":", 1)[0]
            report.check(host in text, f"{shown} gives {name}'s published address {host}",
                         f"the guide never says {host}")
        for volume in (service or {}).get("volumes") or []:
            source = str(volume).split(":")[0]
            if not source.startswith((".", "/", "~")):
                report.check(source in text, f"{shown} names the volume {source}", "the guide never names it")
    report.check(f"--profile {POSTGRES_PROFILE}" in guides[SCALING_GUIDE], f"docs/scaling.md says how to start the {POSTGRES_PROFILE} profile",
                 f"docker compose --profile {POSTGRES_PROFILE} ... is never given")
    if env.get("BRIDGE_CONFIG"):
        report.check(env["BRIDGE_CONFIG"] in guide, f"docs/setup.md gives the image's config path {env['BRIDGE_CONFIG']}",
                     "the guide never says where the container reads its config")
    for subnet in compose_subnets(compose):
        report.check(str(subnet) in guide, f"docs/setup.md gives the Compose subnet {subnet}",
                     "the guide must say which subnet ntfy exempts, to change both together")
    for key in ("NTFY_VISITOR_REQUEST_LIMIT_EXEMPT_HOSTS", "NTFY_BEHIND_PROXY", "NTFY_UPSTREAM_BASE_URL"):
        report.check(key in guide, f"docs/setup.md explains {key}", "missing from the guide")


def ini_sections(text: str) -> dict[str, dict[str, list[str]]]:
    """systemd's unit syntax: [Section], Key=Value, repeatable keys; comments with # or ;."""
    sections: dict[str, dict[str, list[str]]] = {}
    current = None
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], {})
        elif "=" in line and current is not None:
            key, value = line.split("=", 1)
            current.setdefault(key.strip(), []).append(value.strip())
    return sections


def check_systemd(report: Report) -> None:
    if not report.check(SYSTEMD_UNIT.exists(), "samples/systemd/bridge.service exists", "missing"):
        return
    service = ini_sections(SYSTEMD_UNIT.read_text()).get("Service", {})
    last = {k: v[-1] for k, v in service.items()}
    report.check(last.get("DynamicUser") in ("yes", "true"), "the unit runs as a DynamicUser", "set DynamicUser=yes")
    report.check(bool(last.get("StateDirectory")), "the unit has a StateDirectory for the store", "set StateDirectory=bridge")
    report.check(last.get("ProtectSystem") == "strict", "the unit sets ProtectSystem=strict",
                 f"ProtectSystem is {last.get('ProtectSystem')!r}")
    report.check(last.get("NoNewPrivileges") in ("yes", "true"), "the unit sets NoNewPrivileges", "set NoNewPrivileges=yes")
    argv = last.get("ExecStart", "").split()
    report.check(bool(argv) and argv[0].startswith("/") and Path(argv[0]).name == "bridge",
                 "ExecStart runs the published 'bridge' executable by absolute path", f"ExecStart={last.get('ExecStart')}")
    environment = dict(e.split("=", 1) for v in service.get("Environment", []) for e in v.split() if "=" in e)
    report.check("BRIDGE_CONFIG" in environment, "the unit sets BRIDGE_CONFIG", "add Environment=BRIDGE_CONFIG=/etc/bridge/bridge.yaml")
    cache = last.get("CacheDirectory")
    report.check(bool(cache) and environment.get("DOTNET_BUNDLE_EXTRACT_BASE_DIR") == f"/var/cache/{cache}",
                 "the single file unpacks into the unit's CacheDirectory (the only writable place besides the state)",
                 "set CacheDirectory= and DOTNET_BUNDLE_EXTRACT_BASE_DIR=/var/cache/<it>")
    guide = SETUP_GUIDE.read_text() if SETUP_GUIDE.exists() else ""
    report.check("${STATE_DIRECTORY}" in guide, "docs/setup.md puts the store in the unit's StateDirectory",
                 "the guide must set storage.path to ${STATE_DIRECTORY}/bridge.db: everything else is read-only")
    report.check(str(SYSTEMD_UNIT.relative_to(ROOT)) in guide, "docs/setup.md points to the systemd unit", "not mentioned")


def check_publish_profile(report: Report) -> None:
    if not report.check(PUBLISH_PROFILE.exists(), f"{PUBLISH_PROFILE.relative_to(ROOT)} exists", "missing"):
        return
    props = {el.tag: (el.text or "").strip() for group in ET.parse(PUBLISH_PROFILE).getroot().iter("PropertyGroup") for el in group}
    report.check(props.get("PublishSingleFile") == "true", "the publish profile makes one file", "PublishSingleFile is not true")
    report.check(props.get("SelfContained") == "true", "the publish profile is self-contained (no .NET runtime needed)",
                 "SelfContained is not true")
    report.check(props.get("PublishTrimmed", "false") == "false", "the publish profile does not trim",
                 "Jint and YamlDotNet reflect over types that trimming removes")
    guide = SETUP_GUIDE.read_text() if SETUP_GUIDE.exists() else ""
    report.check(f"PublishProfile={PUBLISH_PROFILE.stem}" in guide, "docs/setup.md gives the publish command",
                 f"the guide must show -p:PublishProfile={PUBLISH_PROFILE.stem}")


def main() -> int:
    report = Report()
    _, env = check_dockerfile(report)
    check_compose(report, env)
    check_systemd(report)
    check_publish_profile(report)
    print(f"{report.passed} passed, {report.failed} failed")
    return 1 if report.failed else 0


if __name__ == "__main__":
    sys.exit(main())
