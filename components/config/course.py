"""What a class shares with its students: a class folder, group folders and course content in every home."""

from typing import Annotated, Self

from pydantic import Field, model_validator

from .base import Model, NestedValueError
from .types import AbsolutePath, GroupName, GroupRef, HttpUrl, ImageRef, RelativePath, Username, fullmatch

CONTENT_FILES_MAX_BYTES = 512 * 1024
"""The most text `content.files` may hold: it travels in one ConfigMap (1 MiB at most, which also holds
the layout and the pull step)."""


class ClassFolder(Model):
    """A folder on the hub's shared filesystem that every server mounts: read-only for students, writable
    for staff (admins, `staffUsers` and members of `staffGroups`). Staff put handouts and data there."""

    mount_path: AbsolutePath = "/home/jovyan/shared"
    """Where servers mount it."""
    staff_groups: list[GroupRef] = []
    """Hub groups whose members may write (from `hub.groups` or the login provider's groups)."""
    staff_users: list[Username] = []
    """Users who may write besides admins (admins always may)."""


class GroupFolders(Model):
    """A folder per group on the hub's shared filesystem, for group projects: each member of a listed group
    mounts the group's folder writable at `<mountPath>/<group>`; staff of the class folder mount every
    group's folder there, to follow and grade the work."""

    groups: list[GroupName] = Field(min_length=1)
    """The groups that get a folder (from `hub.groups` or the login provider's groups)."""
    mount_path: AbsolutePath = "/home/jovyan/groups"
    """Where the group folders appear in servers."""


GitBranch = Annotated[
    str,
    fullmatch(r"(?!-)(?!.*\.\.)(?!.*//)[A-Za-z0-9._/-]{1,200}(?<![./])", "a git branch or tag name such as main"),
]


HttpsUrl = Annotated[HttpUrl, fullmatch(r"https://.+", "an https URL: course content is fetched over https only")]


class GitRepository(Model):
    """A git repository pulled into every home when a server starts, the way nbgitpuller pulls: new
    files arrive, a student's changed files are kept (their change wins), deleted files come back."""

    url: HttpsUrl
    """The repository's https URL, e.g. `https://github.com/physics-dept/phys101`."""
    branch: GitBranch = "main"
    """The branch (or tag) to pull."""
    target: RelativePath | None = None
    """The folder in the home it is pulled into. Empty: the repository's name."""

    @property
    def folder(self) -> str:
        """The folder in the home."""
        if self.target:
            return self.target
        name = self.url.rstrip("/").rsplit("/", 1)[-1]
        return name.removesuffix(".git") or "course"


class CourseContent(Model):
    """Course material every server gets when it starts, pulled by a step before the server (an init
    container with the server's own rights, nothing more: it only reaches the home and the network the
    server may reach). A failed pull is logged and the server starts anyway."""

    repositories: list[GitRepository] = []
    """Git repositories pulled into every home (nbgitpuller: a student's edits are never overwritten)."""
    files: dict[RelativePath | AbsolutePath, str] = {}
    """Files by path and text. A relative path is in the home, copied there once when missing (the
    student's copy is theirs to change), e.g. `welcome.ipynb`. An absolute path is mounted read-only at
    that path in every server, e.g. Jupyter settings:
    `/etc/jupyter/jupyter_server_config.json` or `/usr/local/share/jupyter/lab/settings/overrides.json`."""
    image: ImageRef | None = None
    """The image of the pull step; it needs git and nbgitpuller (the z2jh sample image has both). Empty:
    the server's own image (each profile's)."""

    @model_validator(mode="after")
    def _fits(self) -> Self:
        folders: dict[str, int] = {}
        for index, repository in enumerate(self.repositories):
            if repository.folder in folders:
                raise NestedValueError(
                    ("repositories", index, "target"),
                    f"{repository.folder!r} is already repositories[{folders[repository.folder]}]'s folder: "
                    "give each repository a folder of its own",
                )
            folders[repository.folder] = index
        size = sum(len(path.encode()) + len(text.encode()) for path, text in self.files.items())
        if size > CONTENT_FILES_MAX_BYTES:
            raise NestedValueError(
                ("files",),
                f"{size} bytes of files: at most {CONTENT_FILES_MAX_BYTES} fit (one ConfigMap); put larger "
                "material in a repository",
            )
        return self

    @property
    def enabled(self) -> bool:
        """Whether servers get any content."""
        return bool(self.repositories or self.files)
