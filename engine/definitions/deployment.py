"""Deploying BPMN/DMN files as new versions of their process keys."""
from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Mapping

from sqlalchemy import func, select

from engine.audit import chain as audit
from engine.audit.chain import PendingEvent
from engine.definitions import start_data
from engine.definitions.validation import validate_bundle
from engine.errors import DeploymentError, NotFound
from engine.persistence.models import ProcessDefinition
from engine.persistence.serialization import dump_spec

if TYPE_CHECKING:
    from engine.context import EngineContext

DEPLOYMENT_CHAIN = "deployments"
_SUFFIXES = (".bpmn", ".bpmn20.xml", ".dmn")
MAX_FILES = 200


def read_paths(paths: Iterable[str | Path]) -> dict[str, bytes]:
    """Files named directly, or every .bpmn/.dmn under a folder, keyed by a stable relative name."""
    files: dict[str, bytes] = {}
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.is_file() and p.name.endswith(_SUFFIXES))
            if not found:
                raise DeploymentError(f"Thư mục không có tệp .bpmn, .bpmn20.xml hoặc .dmn nào", file_name=str(path))
            named = [(p.relative_to(path).as_posix(), p) for p in found]
        elif path.is_file():
            named = [(path.name, path)]
        else:
            raise DeploymentError("Không tìm thấy tệp hoặc thư mục", file_name=str(path))
        for name, file_path in named:
            if name in files:
                raise DeploymentError("Hai tệp trùng tên trong cùng một lần triển khai",
                                      file_name=name)
            files[name] = file_path.read_bytes()
    if len(files) > MAX_FILES:
        raise DeploymentError(f"Quá nhiều tệp trong một lần triển khai (tối đa {MAX_FILES})")
    return files


def _content_hash(files: Mapping[str, str]) -> str:
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(name.encode("utf-8") + b"\0" + files[name].encode("utf-8") + b"\0")
    return digest.hexdigest()


def _files_of(process_id: str, spec, subprocess_specs: dict, bundle) -> dict[str, str]:
    """The files a process needs: its own, its called processes', and the bundle's decisions."""
    wanted = {spec.file} | {sub.file for sub in subprocess_specs.values()}
    wanted |= {name for name in bundle.files if name.endswith(".dmn")}
    return {name: text for name, text in bundle.files.items() if name in wanted}


def deploy(ctx: "EngineContext", files: Mapping[str, bytes], *, actor: str,
           tag: str | None = None) -> list[dict]:
    """Validate, then store each executable process as a new version unless its content is unchanged.

    All processes of the bundle are stored in one unit of work: one invalid file stores nothing.
    A process marked ``isExecutable="false"`` is not stored; the result says so (``skipped``).
    """
    if not files:
        raise DeploymentError("Không có tệp nào để triển khai")
    bundle = validate_bundle(files, ctx.roles)
    for process_id in bundle.process_ids:  # the start data a process declares (start_data.py)
        spec = bundle.specs[process_id][0]
        if bad := start_data.invalid_names(spec):
            raise DeploymentError(f"startData khai báo tên biến không hợp lệ: {', '.join(bad)}",
                                  file_name=spec.file)
    results = []
    with ctx.uow() as uow:
        now = ctx.clock.now()
        for process_id in bundle.process_ids:
            spec, subs = bundle.specs[process_id]
            own_files = _files_of(process_id, spec, subs, bundle)
            sha = _content_hash(own_files)
            latest = uow.session.scalars(
                select(ProcessDefinition).where(ProcessDefinition.process_key == process_id)
                .order_by(ProcessDefinition.version.desc()).limit(1)).first()
            if latest is not None and latest.sha256 == sha:
                results.append({"key": process_id, "version": latest.version, "sha256": sha,
                                "new": False})
                continue
            version = (latest.version if latest else 0) + 1
            uow.session.add(ProcessDefinition(
                process_key=process_id, version=version, name=bundle.process_names[process_id],
                sha256=sha, tag=tag, deployed_by=actor, deployed_at=now, files=own_files,
                spec_json=dump_spec(spec, subs), forms=bundle.forms, lane_roles=bundle.lane_roles,
                task_units=bundle.task_units))
            audit.append_chain_event(uow.session, DEPLOYMENT_CHAIN, PendingEvent(
                "process_deployed", actor, {"key": process_id, "version": version, "sha256": sha,
                                            "tag": tag, "files": sorted(own_files)}),
                now, lock=uow.dialect == "postgresql")
            results.append({"key": process_id, "version": version, "sha256": sha, "new": True})
        uow.commit()
    results += [{"key": process_id, "version": None, "new": False, "skipped": reason}
                for process_id, reason in sorted((bundle.skipped or {}).items())]
    return results


def _latest(query, process_key: str, version: int | None):
    query = query.where(ProcessDefinition.process_key == process_key)
    if version is not None:
        query = query.where(ProcessDefinition.version == version)
    return query.order_by(ProcessDefinition.version.desc()).limit(1)


def _not_found(process_key: str, version: int | None) -> NotFound:
    which = f" phiên bản {version}" if version is not None else ""
    return NotFound(f"Không tìm thấy quy trình '{process_key}'{which}")


def get_definition(uow, process_key: str, version: int | None = None) -> ProcessDefinition:
    definition = uow.session.scalars(_latest(select(ProcessDefinition), process_key,
                                             version)).first()
    if definition is None:
        raise _not_found(process_key, version)
    return definition


def definition_id(uow, process_key: str, version: int | None = None) -> int:
    """The id of the latest (or given) version of a process, without loading its columns."""
    found = uow.session.scalar(_latest(select(ProcessDefinition.id), process_key, version))
    if found is None:
        raise _not_found(process_key, version)
    return found


def list_definitions(ctx: "EngineContext") -> list[dict]:
    with ctx.uow(write=False) as uow:
        rows = uow.session.execute(select(
            ProcessDefinition.process_key, ProcessDefinition.version, ProcessDefinition.name,
            ProcessDefinition.sha256, ProcessDefinition.tag, ProcessDefinition.deployed_by,
            ProcessDefinition.deployed_at).order_by(ProcessDefinition.process_key,
                                                    ProcessDefinition.version)).all()
        return [{"key": r.process_key, "version": r.version, "name": r.name, "sha256": r.sha256,
                 "tag": r.tag, "deployed_by": r.deployed_by,
                 "deployed_at": r.deployed_at.isoformat()} for r in rows]


def latest_versions(uow) -> dict[str, int]:
    rows = uow.session.execute(select(ProcessDefinition.process_key,
                                      func.max(ProcessDefinition.version))
                               .group_by(ProcessDefinition.process_key)).all()
    return dict(rows)
