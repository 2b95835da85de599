import type { Unit } from '../model/snapshot.ts';
import { readOverrides, type Override } from './overrides.ts';
import { DEFAULT_SCHEME, loadScheme, type Scheme } from './scheme.ts';
import { readUnitsCsv, selectUnits } from './units.ts';

/**
 * What an audit starts from, read and checked once: the units file, the
 * scheme (with its rules resolved), the reviewer overrides. Any problem is one
 * Chinese line naming the file, line and field.
 */

export interface InputFiles {
  unitsFile: string;
  /** Only these units (`--unit`); absent: all. */
  only?: string[];
  /** Default: the county's 2020 scheme. */
  schemeFile?: string;
  overridesFile?: string;
}

export interface AuditInputs {
  /** Every unit of the units file (units outside `only` still count for the averages). */
  units: Unit[];
  /** The units to audit. */
  selected: Unit[];
  scheme: Scheme;
  overrides: Override[];
}

export function loadAuditInputs(files: InputFiles): AuditInputs {
  const units = readUnitsCsv(files.unitsFile);
  return {
    units,
    selected: selectUnits(units, files.only),
    scheme: loadScheme(files.schemeFile ?? DEFAULT_SCHEME),
    overrides: files.overridesFile ? readOverrides(files.overridesFile) : [],
  };
}

/** Hosts (`host:port`) of the units file: the county portal, the only place pages are read from. */
export function portalHosts(units: readonly Unit[]): string[] {
  return [...new Set(units.map((u) => new URL(u.url).host))];
}
