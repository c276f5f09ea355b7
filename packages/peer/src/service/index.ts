export { type BookService, type BookServiceOptions, createBookService } from './book-service.js';
export { type BookServer, type BookServerOptions, startBookServer } from './http-server.js';
export * from './protocol.js';
