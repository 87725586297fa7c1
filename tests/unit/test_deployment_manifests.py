"""Static checks of docker-compose.yml and deploy/Dockerfile against the settings contract."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from service_runtime.hardening import development_secret_aliases, secrets_used_by
from service_runtime.settings import environment_names
from tools import topology_sections
from tools.localstack import SERVICES

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "deploy" / "Dockerfile"

APP_SERVICES = tuple(name for name, _ in SERVICES)  # every service `make run` starts
CONNECTION_SETTINGS = ("KAFKA_BOOTSTRAP_SERVERS", "MONGODB_URI")
INFRASTRUCTURE = ("kafka", "mongo")
DEV_ONLY_PACKAGES = ("calfkit", "secantus")
PUBLIC_URLS = ("REGISTRATION_PUBLIC_URL", "NOTIFIER_PUBLIC_URL")
# `${NAME:?message}`: compose refuses to start when NAME is unset or empty.
REQUIRED_VARIABLE = re.compile(r"^\$\{(?P<name>[A-Z][A-Z0-9_]*):\?[^}]+\}$")


def load_compose() -> dict[str, Any]:
    compose: dict[str, Any] = yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))
    return compose


def services() -> dict[str, Any]:
    declared: dict[str, Any] = load_compose()["services"]
    return declared


def settings_aliases() -> set[str]:
    return environment_names()


def environment_of(service: dict[str, Any]) -> dict[str, Any]:
    """Compose allows a mapping or a list of KEY=VALUE strings."""
    environment = service.get("environment") or {}
    if isinstance(environment, list):
        return dict(item.partition("=")[::2] for item in environment)
    return dict(environment)


def tag_of(image: str) -> str:
    """The tag of an image reference ('' when there is none), ignoring any digest."""
    reference = image.split("@", 1)[0]
    name, _, tag = reference.rpartition(":")
    if not name or "/" in tag:  # no colon, or the colon belonged to a registry port
        return ""
    return tag


def assert_pinned(image: str, where: str) -> None:
    assert "$" not in image, f"{where}: image {image!r} depends on a variable"
    tag = tag_of(image)
    assert tag, f"{where}: image {image!r} has no explicit tag"
    assert "latest" not in tag.lower(), f"{where}: image {image!r} is not pinned"
    assert re.search(r"\d", tag), f"{where}: image {image!r} tag names no version"


def dockerfile_instructions() -> list[str]:
    """Instructions with line continuations joined and comments dropped."""
    instructions: list[str] = []
    pending = ""
    for raw in DOCKERFILE.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        instructions.append(pending + line)
        pending = ""
    if pending:
        instructions.append(pending)
    return instructions


def test_every_app_service_is_present() -> None:
    missing = [name for name in APP_SERVICES if name not in services()]
    assert not missing, f"docker-compose.yml lacks services: {missing}"


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_service_is_built_from_the_deploy_dockerfile(name: str) -> None:
    build = services()[name].get("build")
    assert isinstance(build, dict), f"{name}: build must name its context and dockerfile"
    context = ROOT / build.get("context", ".")
    dockerfile = (context / build.get("dockerfile", "Dockerfile")).resolve()
    assert dockerfile == DOCKERFILE, f"{name}: built from {dockerfile}, not {DOCKERFILE}"


def test_every_image_has_a_pinned_tag() -> None:
    images = {name: svc["image"] for name, svc in services().items() if "image" in svc}
    assert images, "expected the infrastructure services to name their images"
    for name, image in images.items():
        assert_pinned(image, f"service {name}")


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_environment_names_are_settings_aliases(name: str) -> None:
    unknown = set(environment_of(services()[name])) - settings_aliases()
    assert not unknown, f"{name}: variables the settings never read: {sorted(unknown)}"


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_service_sets_its_connections(name: str) -> None:
    environment = environment_of(services()[name])
    for setting in CONNECTION_SETTINGS:
        assert environment.get(setting), f"{name}: {setting} is not set"
    assert environment.get("HTTP_HOST") == "0.0.0.0", f"{name}: must listen on every interface"  # noqa: S104


def required_variable(name: str, setting: str) -> str:
    value = str(environment_of(services()[name]).get(setting, ""))
    required = REQUIRED_VARIABLE.match(value)
    assert required, f"{name}: {setting} must be ${{VARIABLE:?…}}, not {value!r}"
    return required["name"]


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_service_requires_the_secrets_it_uses_the_public_urls_and_no_other_secret(
    name: str,
) -> None:
    used = secrets_used_by(name)
    for setting in (*used, *PUBLIC_URLS):
        variable = required_variable(name, setting)
        if setting != "OFFICER_TOKEN_SECRET":
            assert variable == setting, f"{name}: {setting} reads {variable}"
    unused = set(development_secret_aliases()) - set(used)
    assert not unused & set(environment_of(services()[name])), f"{name} gets {unused}"


def test_each_department_has_its_own_officers_key() -> None:
    hosts = [name for name in APP_SERVICES if "OFFICER_TOKEN_SECRET" in secrets_used_by(name)]
    variables = [required_variable(name, "OFFICER_TOKEN_SECRET") for name in hosts]
    assert len(set(variables)) == len(hosts) == 7, variables
    department = {"registration": "market"}
    for name, variable in zip(hosts, variables, strict=True):
        assert variable == f"{department.get(name, name).upper()}_OFFICER_TOKEN_SECRET"


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_service_runs_as_production(name: str) -> None:
    assert environment_of(services()[name]).get("ENVIRONMENT") == "production"


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_service_has_a_healthcheck(name: str) -> None:
    healthcheck = services()[name].get("healthcheck") or {}
    assert healthcheck.get("test"), f"{name}: no healthcheck"
    assert not healthcheck.get("disable"), f"{name}: healthcheck disabled"


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_service_waits_for_healthy_infrastructure(name: str) -> None:
    depends_on = services()[name].get("depends_on")
    assert isinstance(depends_on, dict), f"{name}: depends_on needs the long form with conditions"
    for dependency in INFRASTRUCTURE:
        assert dependency in services(), f"no {dependency} service"
        condition = (depends_on.get(dependency) or {}).get("condition")
        assert condition == "service_healthy", f"{name}: {dependency} condition is {condition!r}"


def test_dockerfile_base_images_are_pinned() -> None:
    stages: set[str] = set()
    froms = [i for i in dockerfile_instructions() if i.split()[0].upper() == "FROM"]
    assert froms, "deploy/Dockerfile has no FROM line"
    for instruction in froms:
        words = [w for w in instruction.split()[1:] if not w.startswith("--")]
        image = words[0]
        if image.lower() not in stages:
            assert_pinned(image, f"Dockerfile {instruction!r}")
        if len(words) >= 3 and words[1].upper() == "AS":
            stages.add(words[2].lower())


def test_dockerfile_copies_only_from_stages_or_pinned_images() -> None:
    stages = {
        words[-1].lower()
        for words in (i.split() for i in dockerfile_instructions())
        if words[0].upper() == "FROM" and len(words) >= 3 and words[-2].upper() == "AS"
    }
    for instruction in dockerfile_instructions():
        for source in re.findall(r"--from=(\S+)", instruction):
            if source.lower() not in stages:
                assert_pinned(source, f"Dockerfile {instruction!r}")


def test_dockerfile_installs_production_dependencies_only() -> None:
    syncs = [i for i in dockerfile_instructions() if re.search(r"\buv\s+sync\b", i)]
    assert syncs, "deploy/Dockerfile never runs uv sync"
    for sync in syncs:
        assert "--frozen" in sync or "--locked" in sync, f"not installed from the lock: {sync!r}"
        assert "--no-dev" in sync, f"installs the dev group: {sync!r}"
        assert "--no-default-groups" in sync, f"installs the default groups: {sync!r}"
        for flag in ("--group", "--all-groups", "--only-group", "--only-dev", "--dev"):
            assert not re.search(rf"(?<!\S){flag}(?![\w-])", sync), f"{flag} in {sync!r}"
    text = DOCKERFILE.read_text(encoding="utf-8").lower()
    for package in DEV_ONLY_PACKAGES:
        assert package not in text, f"deploy/Dockerfile mentions {package}"


def test_the_proxy_renders_its_template_from_its_own_environment() -> None:
    proxy = services()["proxy"]
    mounts = {m.split(":")[1]: m.split(":")[0] for m in proxy["volumes"] if m.startswith("./")}
    template = mounts["/etc/nginx/templates/enterprise-page.conf.template"]
    text = (ROOT / template).read_text(encoding="utf-8")
    # The image substitutes only variables set in its environment; any other `${NAME}` would
    # reach nginx verbatim and fail its start.
    wanted = set(re.findall(r"\$\{([A-Z][A-Z0-9_]*)\}", text))
    assert wanted
    assert wanted <= set(environment_of(proxy))
    assert proxy["restart"] == "unless-stopped"
    for upstream in ("registration", "notifier"):
        assert proxy["depends_on"][upstream]["condition"] == "service_healthy"


def test_the_services_believe_forwarded_addresses_from_the_proxy_only() -> None:
    address = services()["proxy"]["networks"]["default"]["ipv4_address"]
    for name in APP_SERVICES:
        trusted = environment_of(services()[name])["TRUSTED_PROXIES"]
        assert json.loads(trusted) == [address], name


def test_the_image_holds_every_package_the_services_import() -> None:
    pyproject = (ROOT / "pyproject.toml").read_text("utf-8")
    listed = re.search(r"^packages = \[(?P<names>[^\]]*)\]", pyproject, re.MULTILINE)
    assert listed, "pyproject.toml lists no packages"
    packages = re.findall(r'"([a-z_]+)"', listed["names"])
    copied = {
        words[1].strip("/")
        for words in (i.split() for i in dockerfile_instructions())
        if words[0].upper() == "COPY" and not words[1].startswith("--")
    }
    assert set(packages) <= copied, f"deploy/Dockerfile copies no {set(packages) - copied}"


def test_the_files_that_list_services_are_what_the_topology_writes() -> None:
    assert topology_sections.main(["--check"]) == 0, "run: python -m tools.topology_sections"
