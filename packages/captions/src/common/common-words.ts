/**
 * Everyday English words and the nouns that fill image captions. A trigger word that is one of these already means
 * something to the base model, so the LoRA has to fight that meaning instead of filling an empty token.
 * Not exhaustive: it catches the usual mistakes ("woman", "art", "style", a colour, a first name).
 */
export const COMMON_WORDS = new Set(
  `man woman men women person people boy girl child children kid baby guy lady gentleman face hair eyes smile portrait
  photo photograph picture image painting drawing sketch illustration art artwork style design render anime cartoon
  comic manga realistic character hero model product logo brand object thing item toy doll figure statue
  dog cat bird horse fish animal pet flower tree plant forest mountain river lake sea ocean beach sky cloud sun moon star
  city street house home room building car bike train plane boat road bridge tower castle garden park field
  red orange yellow green blue purple pink brown black white gray grey gold silver color colour light dark
  shirt dress jacket coat hat shoes glasses bag watch ring necklace cup bottle chair table book phone camera
  day night morning evening summer winter spring autumn fall rain snow fire water
  good best new old big small little young pretty beautiful cute cool nice happy sad love life world time
  me my you your we our us hello test demo sample example name word thing stuff
  john james david michael robert william mary sarah emma anna maria lisa alex sam max tom ben kate
  king queen prince princess knight wizard witch robot alien monster dragon angel demon ghost zombie
  photo-realistic photorealistic cinematic vintage retro modern classic minimal abstract watercolor oil pencil ink`
    .split(/\s+/)
    .filter(Boolean),
);

/** Trigger words people commonly reuse from tutorials; a second one in a caption usually survived a copy-paste. */
export const KNOWN_TRIGGER_WORDS = ['sks', 'ohwx', 'zwx', 'tok', 'xyz', 'zxc', 'qwx', 'hta', 'bnha'];
