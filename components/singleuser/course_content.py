"""The course content step, shipped verbatim in the hub's `course-content` ConfigMap and run by every user
server's first init container, as the server's own user, with the server's home mounted at $HOME.

It reads `layout.json` beside it (written by the stack):
- `homeFiles`: a path in the home -> the ConfigMap key (a file beside this one) holding its text. Each
  file is copied once, when the home does not have it: after that the copy is the student's.
- `repositories`: git repositories (`url`, `branch`, `folder`), each pulled into its folder in the home
  with nbgitpuller, which never overwrites a student's change: changed files keep the student's version,
  deleted ones come back, new ones arrive.
Nothing here stops a server from starting: a failure is printed (the pod's log shows it) and the step
ends with status 0. It needs Python 3, and git with nbgitpuller for repositories (the image's own).
"""

import json
import os
import shutil
import sys
import traceback
from pathlib import Path


def copy_home_files(content: Path, home: Path, files: dict[str, str]) -> None:
    """Copy each file into the home unless it is there already."""
    for relative, key in sorted(files.items()):
        target = home / relative
        if target.exists() or target.is_symlink():
            print(f"keeping {relative}: the home has it")
            continue
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(content / key, target)
            print(f"copied {relative}")
        except OSError as error:
            print(f"could not copy {relative}: {error}")


def pull_repositories(home: Path, repositories: list[dict[str, str]]) -> None:
    """Pull each repository into its folder with nbgitpuller."""
    if not repositories:
        return
    try:
        from nbgitpuller.pull import GitPuller
    except ImportError:
        print("nbgitpuller is not in this image: course repositories were not pulled (see content.image)")
        return
    for repository in repositories:
        url, branch, folder = repository["url"], repository["branch"], repository["folder"]
        print(f"pulling {url} ({branch}) into {folder}")
        try:
            for line in GitPuller(url, str(home / folder), branch=branch, depth=1).pull():
                print(line, end="" if line.endswith("\n") else "\n")
        except Exception:  # noqa: BLE001 - one repository's failure must not stop the others or the server
            print(f"could not pull {url}:")
            traceback.print_exc(file=sys.stdout)


def main() -> int:
    """Put the content into $HOME; always 0."""
    content = Path(__file__).resolve().parent
    home = Path(os.environ["HOME"])
    try:
        layout = json.loads((content / "layout.json").read_text(encoding="utf-8"))
        copy_home_files(content, home, layout["homeFiles"])
        pull_repositories(home, layout["repositories"])
    except Exception:  # noqa: BLE001 - the server starts even if the content cannot be put in place
        print("the course content step failed:")
        traceback.print_exc(file=sys.stdout)
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
