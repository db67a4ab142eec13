import { Controller, Get, Param } from '@nestjs/common';
import { CATALOGUE, findAddon } from '../../addons/catalogue.js';
import type { CatalogueEntry } from '../../addons/catalogue-schema.js';
import { NotFoundError } from '../../domain/errors.js';
import { Route } from '../../openapi/route.decorator.js';
import type { AddonView } from '../schemas.js';

/** The add-on catalogue: the same for every project, so any signed-in caller may read it. */
@Controller('v1/addons')
export class AddonsController {
  @Get()
  @Route({
    operationId: 'listAddons',
    access: 'authenticated',
    summary: 'The add-on catalogue: every add-on, its versions and per-provider variants',
    tag: 'addons',
    responses: { 200: 'AddonList' },
  })
  list(): { items: AddonView[] } {
    return { items: CATALOGUE.map(addonView) };
  }

  @Get(':addon')
  @Route({
    operationId: 'getAddon',
    params: ['addon'],
    access: 'authenticated',
    summary: 'One add-on of the catalogue',
    tag: 'addons',
    responses: { 200: 'Addon' },
  })
  get(@Param('addon') name: string): AddonView {
    const entry = findAddon(name);
    if (!entry) throw new NotFoundError(`no add-on "${name}" in the catalogue`);
    return addonView(entry);
  }
}

function addonView(entry: CatalogueEntry): AddonView {
  return {
    name: entry.name,
    title: entry.title,
    description: entry.description,
    category: entry.category,
    availability: entry.availability,
    ...(entry.plannedNote ? { plannedNote: entry.plannedNote } : {}),
    defaultEnabled: entry.defaultEnabled,
    ...(entry.defaultVersion ? { defaultVersion: entry.defaultVersion } : {}),
    versions: entry.versions.map((v) => ({
      version: v.version,
      kubernetesVersions: v.kubernetesVersions,
      ...(v.notes ? { notes: v.notes } : {}),
      variants: v.variants.map((variant) => ({
        providers: variant.providers,
        component: variant.component,
        componentVersion: variant.componentVersion,
        namespace: variant.namespace,
        artefacts: variant.artefacts,
        defaultConfig: variant.defaultConfig,
        ...(variant.notes ? { notes: variant.notes } : {}),
      })),
    })),
  };
}
