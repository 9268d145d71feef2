import { buildExists, DIST_DIR } from './launcher';

/** The production suite runs against a build: `npm test` makes it; say so plainly when it is missing. */
export default function requireBuild(): void {
  if (!buildExists()) {
    throw new Error(
      `No production build in ${DIST_DIR}: run \`NEXT_DIST_DIR=${DIST_DIR} npx next build\` first (npm test does it).`,
    );
  }
}
