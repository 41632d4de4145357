// Builds the migrated template database once per run (compiled code: `npm test` builds first).
import { prepareTemplateDatabase } from '@triggers/testing';

export default async function globalSetup() {
  await prepareTemplateDatabase();
}
