"""Course content for every user server: the `course-content` ConfigMap (the pull step's script, its
layout and the files' text) and what the hub needs to mount it (its settings)."""

import json
from pathlib import Path

import pulumi
import pulumi_kubernetes as k8s

from ..config.course import CourseContent
from ..hub.settings_contract import ContentSettings
from ..labels import SINGLEUSER, labels

CONTENT_CONFIG_MAP = "course-content"
SCRIPT_KEY = "course_content.py"
LAYOUT_KEY = "layout.json"
SCRIPT = Path(__file__).with_name(SCRIPT_KEY)
"""The pull step, shipped verbatim."""


def _file_keys(content: CourseContent) -> dict[str, str]:
    """Each file's ConfigMap key (`file-<n>`, in path order: a path may hold characters keys cannot)."""
    return {path: f"file-{index}" for index, path in enumerate(sorted(content.files))}


def content_data(content: CourseContent) -> dict[str, str]:
    """The ConfigMap's data: the script, the layout it reads and each file's text."""
    keys = _file_keys(content)
    layout = {
        "homeFiles": {path: key for path, key in keys.items() if not path.startswith("/")},
        "repositories": [
            {"url": repository.url, "branch": repository.branch, "folder": repository.folder}
            for repository in content.repositories
        ],
    }
    return {
        SCRIPT_KEY: SCRIPT.read_text(encoding="utf-8"),
        LAYOUT_KEY: json.dumps(layout, indent=1, sort_keys=True),
        **{key: content.files[path] for path, key in keys.items()},
    }


def content_settings(content: CourseContent) -> ContentSettings | None:
    """How the hub mounts the content (None: the hub has none)."""
    if not content.enabled:
        return None
    return ContentSettings(
        config_map=CONTENT_CONFIG_MAP,
        script_key=SCRIPT_KEY,
        image=content.image,
        mounted_files={path: key for path, key in _file_keys(content).items() if path.startswith("/")},
    )


def declare_course_content(
    hub_name: str, content: CourseContent, namespace: pulumi.Input[str], opts: pulumi.ResourceOptions
) -> k8s.core.v1.ConfigMap | None:
    """The `course-content` ConfigMap, if the hub has content."""
    if not content.enabled:
        return None
    return k8s.core.v1.ConfigMap(
        f"{hub_name}-course-content",
        metadata={"name": CONTENT_CONFIG_MAP, "namespace": namespace, "labels": labels(hub_name, SINGLEUSER)},
        data=content_data(content),
        opts=opts,
    )
