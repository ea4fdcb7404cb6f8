// The movies tutorial's populate.py: fills the example database with sample data through
// app.db.session(), the session for scripts (run: npm run example:populate).
import { buildApp } from './app.ts'
import { Employee, Movie, Post, Tag, User } from './models.ts'

const app = await buildApp({ logger: false })
await app.ready() // applies the migrations
const db = app.db.session()
try {
  const movies: Array<[string, number, string[]]> = [
    ['Inception', 2010, ['Christopher Nolan']],
    ['Interstellar', 2014, ['Christopher Nolan']],
    ['The Dark Knight', 2008, ['Christopher Nolan']],
    ['Spirited Away', 2001, ['Hayao Miyazaki']],
    ['The Matrix', 1999, ['Lana Wachowski', 'Lilly Wachowski']]
  ]
  for (const [title, year, directors] of movies) {
    if (await db.query(Movie).filterBy({ title }).exists()) continue
    db.add(Movie, { title, year, directors, theatre: true })
    console.log(`Movie '${title}' added to the database.`)
  }

  if (!await db.query(User).filterBy({ username: 'john' }).exists()) {
    // A placeholder hash: these sample users cannot log in.
    const john = db.add(User, { username: 'john', email: 'john@example.com', passwordHash: 'sample-user-no-login' })
    const tags = [db.add(Tag, { name: 'python' }), db.add(Tag, { name: 'fastify' })]
    // Related objects in place of keys: the commit inserts john and the tags before the post.
    db.add(Post, { title: 'Hello, Fastify', body: 'Moving from Flask-SQLAlchemy.', author: john, tags })
    const boss = db.add(Employee, { name: 'Ada' })
    db.add(Employee, { name: 'Grace', manager: boss })
    console.log("User 'john' with a post, two tags and two employees added.")
  }
  await db.commit()
} finally {
  await db.close()
  await app.close()
}
