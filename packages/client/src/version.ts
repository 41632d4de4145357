/** This package's version (a test holds it equal to package.json's), sent in the User-Agent. */
export const CLIENT_VERSION = '1.0.0';
