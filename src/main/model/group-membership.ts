import { COMPOSE_LABEL } from '../compose/labels.js';
import type { GroupConfig } from '../config/services-config.js';

export const GROUP_LABEL = 'lucid.service.group';

export interface ContainerRef {
  name: string;
  labels: Record<string, string>;
  /** The host the container runs on. */
  host: string;
}

/** Only containers carrying this label take part in groups (one deployment among several on a host). */
export interface LabelFilter {
  key: string;
  value?: string | undefined;
}

export interface Membership {
  group: string;
  /** The configured member this container is; else its compose service or container name. */
  service: string;
  /** False when the container joined by label or compose project under a name the config does not declare. */
  configured: boolean;
}

/**
 * The one answer to "which group is this container in", used by container summaries, scope checks
 * and group operations alike. In order: the `lucid.service.group` label when it names a configured
 * group, a member name in the config, the compose project a group maps to.
 */
export class GroupResolver {
  /** Keyed by `host/member`: a member is played only by a container of that name on its own host. */
  private readonly groupOfMember = new Map<string, string>();
  private readonly groupOfProject = new Map<string, { group: string; host: string | undefined }>();
  private readonly memberHost = new Map<string, string | undefined>();
  private readonly membersOf = new Map<string, ReadonlySet<string>>();

  /** Label values already warned about: a container list would repeat the warning on every call. */
  private readonly unknownLabels = new Set<string>();

  constructor(
    groups: readonly GroupConfig[],
    private readonly filter: LabelFilter | undefined = undefined,
    private readonly warn: (message: string) => void = () => {},
    /** The default host, asked each time: a hosts reload may change it. */
    private readonly defaultHost: () => string = () => 'local',
  ) {
    for (const group of groups) {
      this.membersOf.set(group.name, new Set(group.members.map((m) => m.name)));
      for (const member of group.members) {
        this.groupOfMember.set(member.name, group.name);
        this.memberHost.set(member.name, member.host ?? group.host);
      }
      // The first group declaring a project owns it, as in the compose registry: membership and
      // the scope checked for up/down then never disagree.
      if (group.compose && !this.groupOfProject.has(group.compose.project)) {
        this.groupOfProject.set(group.compose.project, { group: group.name, host: group.host });
      }
    }
  }

  /** The host a configured member runs on: its own, its group's, or the default host. */
  hostOfMember(member: string): string {
    return this.memberHost.get(member) ?? this.defaultHost();
  }

  /** The host of a group's compose project and of its members that name none. */
  hostOfGroup(group: Pick<GroupConfig, 'host'>): string {
    return group.host ?? this.defaultHost();
  }

  resolve(container: ContainerRef): Membership | null {
    if (!this.passesFilter(container.labels)) return null;
    const labelled = this.labelledGroup(container.labels[GROUP_LABEL]);
    if (labelled !== undefined) return this.membership(labelled, container);
    const byName = this.groupOfMember.get(container.name);
    if (byName !== undefined && this.hostOfMember(container.name) === container.host) {
      return { group: byName, service: container.name, configured: true };
    }
    const project = container.labels[COMPOSE_LABEL.project];
    const byProject = project === undefined ? undefined : this.groupOfProject.get(project);
    if (byProject !== undefined && (byProject.host ?? this.defaultHost()) === container.host) {
      return this.membership(byProject.group, container);
    }
    return null;
  }

  groupOf(container: ContainerRef): string | null {
    return this.resolve(container)?.group ?? null;
  }

  /**
   * A label naming no configured group (a typo, a group since removed) is ignored: honouring it
   * would put the container in a group no operation can reach.
   */
  private labelledGroup(value: string | undefined): string | undefined {
    if (!value) return undefined;
    if (this.membersOf.has(value)) return value;
    if (!this.unknownLabels.has(value)) {
      this.unknownLabels.add(value);
      // Quoted: a label is anyone's text, it must not forge log lines.
      this.warn(`label ${GROUP_LABEL}=${JSON.stringify(value)} names no configured group; ignored, the container's name or compose project decides its group`);
    }
    return undefined;
  }

  private membership(group: string, container: ContainerRef): Membership {
    const declared = this.membersOf.get(group);
    const composeService = container.labels[COMPOSE_LABEL.service];
    for (const candidate of [container.name, composeService]) {
      if (candidate !== undefined && declared?.has(candidate)) return { group, service: candidate, configured: true };
    }
    return { group, service: composeService ?? container.name, configured: false };
  }

  private passesFilter(labels: Record<string, string>): boolean {
    if (this.filter === undefined) return true;
    const value = labels[this.filter.key];
    return value !== undefined && (this.filter.value === undefined || value === this.filter.value);
  }
}
