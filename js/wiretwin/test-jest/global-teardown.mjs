export { teardownTwins as default } from 'wiretwin/jest-setup';
