export {
  createTestDatabase,
  databaseUrl,
  prepareTemplateDatabase,
  serverUrl,
  TEMPLATE_DATABASE,
  testConfig,
} from './databases.js';
