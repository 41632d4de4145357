export {
  createTestDatabase,
  databaseUrl,
  dropTemplateDatabase,
  prepareTemplateDatabase,
  serverUrl,
  templateDatabase,
  testConfig,
} from './databases.js';
