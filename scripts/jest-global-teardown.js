// Drops this run's template; its test databases stay for inspection until a later run.
import { dropTemplateDatabase } from '@triggers/testing';

export default async function globalTeardown() {
  await dropTemplateDatabase();
}
