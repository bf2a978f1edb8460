"""Image pre-pulling: every image a hub's servers can start (singleuser.image, each profile's image, the
images of its option choices, extra and init containers, the course content's pull step) pulled onto
each node those servers may run on, when the node joins and again when an image changes, so no student
waits for a multi-GB pull.

One DaemonSet per placement (the default servers' nodes; a GPU profile's own pool gets only its images):
each image is an init container that ends at once, then a pause container holds the pod (and the
images, which the kubelet keeps while a pod uses them). `pulumi up` waits until every node has pulled
(the provider awaits the DaemonSet's rollout), so a mistyped image fails the update at this object.
Free-form images (`otherImage`) cannot be known in advance and are pulled when started.
"""

from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from ..config.singleuser import Profile, SingleUserConfig
from ..labels import labels, selector
from ..manifest import ApiFields
from ..plan.hub_spec import HubSpec
from ..scheduling import USER, node_affinity, user_toleration
from ..security import container_security_context, pod_security_context
from .image_pull_secret import IMAGE_PULL_SECRET
from .placeholders import CHECKOV_SKIPS, PAUSE_IMAGE, PAUSE_UID
from .settings import profile_tolerations

IMAGE_PULLER = "image-puller"
"""The component label, and the name of the default placement's DaemonSet."""
PULLED = ["/bin/sh", "-c", "exit 0"]
"""What each image runs once pulled: nothing (every Jupyter image has a shell)."""
PULL_RESOURCES = {"requests": {"cpu": "0", "memory": "0"}, "limits": {"cpu": "100m", "memory": "64Mi"}}
"""Nothing requested: a puller fits on any node, however full of servers (a node without room for it would
hold up `pulumi up` until its await gives up); the limits keep it small."""
AWAIT_MINUTES = 30
"""How long `pulumi up` waits for every node to pull (a few GB on a busy node)."""


@dataclass
class PullPlacement:
    """Nodes where some servers run, and the images those servers may start."""

    name: str
    node_selector: dict[str, str]
    tolerations: list[dict[str, Any]]
    images: list[str] = field(default_factory=list)

    def add(self, images: list[str]) -> None:
        self.images += [image for image in images if image not in self.images]


def profile_images(config: SingleUserConfig, profile: Profile) -> list[str]:
    """The images a profile's servers may start: its own (or singleuser's) and its option choices'."""
    images = [profile.image or config.image]
    for option in profile.options.values():
        images += [choice.image for choice in option.choices.values() if choice.image]
    return images


def pull_placements(config: SingleUserConfig) -> list[PullPlacement]:
    """The placements of a hub's servers with their images, the default one first."""
    sidecars = [container.image for container in (*config.init_containers, *config.extra_containers)]
    if config.content.enabled and config.content.image is not None:  # the course content's pull step
        sidecars.insert(0, config.content.image)
    if not config.profiles:
        only = PullPlacement(IMAGE_PULLER, dict(config.node_selector), [user_toleration()])
        only.add([config.image, *sidecars])
        return [only]
    placements: list[PullPlacement] = []
    for profile in config.profiles:
        node_selector = dict(profile.node_selector or config.node_selector)
        tolerations = profile_tolerations(profile)
        same = next((p for p in placements if (p.node_selector, p.tolerations) == (node_selector, tolerations)), None)
        if same is None:
            name = f"{IMAGE_PULLER}-{profile.effective_slug}" if placements else IMAGE_PULLER
            same = PullPlacement(name, node_selector, tolerations)
            placements.append(same)
        same.add([*profile_images(config, profile), *sidecars])
    return placements


def puller_pod_spec(spec: HubSpec, placement: PullPlacement) -> dict[str, Any]:
    """A puller's pod: one init container per image, then a pause container."""
    security = container_security_context(read_only_root=True)
    pod: dict[str, Any] = {
        "automountServiceAccountToken": False,
        "enableServiceLinks": False,
        "terminationGracePeriodSeconds": 0,
        "securityContext": pod_security_context(PAUSE_UID, PAUSE_UID),
        "tolerations": placement.tolerations,
        "initContainers": [
            {
                "name": f"pull-{index}",
                "image": image,
                "command": PULLED,
                "resources": PULL_RESOURCES,
                "securityContext": security,
            }
            for index, image in enumerate(placement.images)
        ],
        "containers": [
            {"name": "pause", "image": PAUSE_IMAGE, "resources": PULL_RESOURCES, "securityContext": security}
        ],
    }
    if spec.config.singleuser.image_pull_secret is not None:
        pod["imagePullSecrets"] = [{"name": IMAGE_PULL_SECRET}]
    # No PriorityClass: the user class would count pullers as servers (the class calendar's quota), and
    # requesting nothing, a puller needs no room to take from anyone.
    affinity = node_affinity(USER, spec.node_purpose)
    if affinity is not None:
        pod["affinity"] = affinity
    if placement.node_selector:
        pod["nodeSelector"] = placement.node_selector
    return pod


def declare_image_pullers(
    name: str, spec: HubSpec, namespace: pulumi.Input[str], opts: pulumi.ResourceOptions
) -> list[k8s.apps.v1.DaemonSet]:
    """The pullers' DaemonSets; none when the hub does not pre-pull."""
    if not spec.config.scheduling.pre_pull_images:
        return []
    pullers = []
    for placement in pull_placements(spec.config.singleuser):
        pod_labels = {**labels(spec.name, IMAGE_PULLER), "hub.jupyter.org/image-puller": placement.name}
        daemon_set: ApiFields = {
            "selector": {
                "matchLabels": {**selector(spec.name, IMAGE_PULLER), "hub.jupyter.org/image-puller": placement.name}
            },
            # Every node at once: a node pulls its images whatever the others do.
            "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "100%"}},
            "template": {"metadata": {"labels": pod_labels}, "spec": puller_pod_spec(spec, placement)},
        }
        pullers.append(
            k8s.apps.v1.DaemonSet(
                f"{name}-{placement.name}",
                metadata={
                    "name": placement.name,
                    "namespace": namespace,
                    "labels": labels(spec.name, IMAGE_PULLER),
                    "annotations": dict(CHECKOV_SKIPS),
                },
                spec=daemon_set,
                opts=pulumi.ResourceOptions.merge(
                    opts,
                    pulumi.ResourceOptions(
                        custom_timeouts=pulumi.CustomTimeouts(create=f"{AWAIT_MINUTES}m", update=f"{AWAIT_MINUTES}m")
                    ),
                ),
            )
        )
    return pullers
