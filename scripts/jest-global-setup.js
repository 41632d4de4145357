// Builds this run's migrated template database (compiled code: `npm test` builds first).
import { prepareTemplateDatabase } from '@triggers/testing';

export default async function globalSetup() {
  await prepareTemplateDatabase();
}
