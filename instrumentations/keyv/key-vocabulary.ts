/**
 * The words a cache key segment may show the first time it is seen: the nouns, verbs and qualifiers
 * applications build keys from (`user`, `settings`, `list`, `v2`). Everything else (a name, a search
 * query, a token) stays hidden until spanlens has seen it be structure (see key-structure.ts). The list
 * is fixed and bounded; words that are also common given names (mark, bill, grace, …) are left out.
 */
const WORDS = `
  access account accounts acl action activity actor ad address admin agenda aggregate alert alias all
  allow analytics answer api app application approval archive article asset assignment attachment
  attempt attendee attribute audit auth author authorization availability avatar backup badge balance
  banner basket batch billing blob block blog board body booking bookmark branch brand bucket budget
  build bundle by cache calendar campaign capability card cart catalog category channel chart chat
  check checkout choice client cluster code collection comment commit company config configuration
  connection consent contact content context contract conversation count counter country coupon course
  credential credit csrf currency customer daily dashboard data day default delivery department
  deployment detail device digest directory discount doc document domain draft email employee endpoint
  entity entry environment error etag event export external feature feed fetch field file filter flag flow
  folder follower following form forum friend get global grant graph group guest hash header
  history home hour hourly html http i18n icon id ids image import inbox index info input install
  instance integration inventory invitation invite invoice issue item job json key label language
  latest layout lead ledger level library license like limit line link list listing load locale
  location lock log login lookup manifest map media meeting member membership menu message meta
  metadata method metric metrics minute mobile model module month monthly name namespace nav navigation
  network new news node note notification oauth oauth2 object offer office online option order org
  organization output owner page pagination params participant partner password path payment pending
  permission person phone photo pin plan platform player point policy poll pool popular post preference
  prefs preview price pricing private product profile project promo property provider public publish
  purchase query queue quota quote rank rate ratelimit reaction read recent recommendation record
  redirect ref referral refresh region registration related release reminder render reply report
  repository request reservation reset resource response result review role room route rule run
  schedule schema scope score search season section security seen segment send server service session
  setting settings setup share shipment shipping shop shortlink sidebar signup site size sku slot
  snapshot source sprint stat state static stats status step stock storage store stream subscription
  suggestion summary support survey sync system table tag target task team template tenant test theme
  thread thumbnail ticket tier timeline timezone todo token top topic total tracking transaction
  translation tree trending trial type unread update upload usage user username utf8 v validation value
  variant vendor verification verify version video view visit wallet warehouse webhook week weekly
  widget wishlist workspace year yearly
  get set put create delete remove list find fetch load lookup compute build render count resolve
`;

/** Every word of the vocabulary, in lower case. */
export const KEY_VOCABULARY: ReadonlySet<string> = new Set(WORDS.split(/\s+/).filter((word) => word.length > 0));

const VERSION = /^v\d{1,3}$/;

/** Whether a lower-case word (or its singular) is one of the vocabulary's, or a version such as `v2`. */
export function isVocabularyWord(word: string): boolean {
  if (KEY_VOCABULARY.has(word) || VERSION.test(word)) return true;
  if (word.endsWith('ies') && KEY_VOCABULARY.has(`${word.slice(0, -3)}y`)) return true;
  if (word.endsWith('es') && KEY_VOCABULARY.has(word.slice(0, -2))) return true;
  return word.endsWith('s') && KEY_VOCABULARY.has(word.slice(0, -1));
}
