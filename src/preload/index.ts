import { contextBridge, ipcRenderer } from 'electron';
import { createBookApi } from './api.js';

contextBridge.exposeInMainWorld('tallystick', createBookApi((channel, ...args) => ipcRenderer.invoke(channel, ...args)));
